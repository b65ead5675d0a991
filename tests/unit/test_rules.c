// SPDX-License-Identifier: GPL-2.0
/* Subflow rule syntax: parsing, errors, canonical form, and the BPF side's matcher. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "core/rules.h"
#include "unit.h"

#define CCS "reno cubic bbr\n" /* as /proc has it */
#define ERRLEN 256

static void parse_ok(const char *text, struct mptcpify_rule *r)
{
	char err[ERRLEN] = "";

	ck_assert_msg(!rules_parse(text, CCS, r, err, sizeof(err)), "'%s': %s", text, err);
}

/* Fails with exactly @want, and leaves the output alone. */
static void parse_fails(const char *text, const char *ccs, const char *want)
{
	struct mptcpify_rule r, untouched;
	char err[ERRLEN] = "";

	memset(&r, 0x5a, sizeof(r));
	memset(&untouched, 0x5a, sizeof(untouched));
	ck_assert_int_eq(rules_parse(text, ccs, &r, err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strcmp(err, want), "'%s': got \"%s\", want \"%s\"", text, err, want);
	ck_assert_msg(!memcmp(&r, &untouched, sizeof(r)), "'%s' wrote its output", text);
}

/* An address as the BPF side sees it: IPv4 mapped as ::ffff:a.b.c.d. */
static void addr(const char *text, __u8 out[16])
{
	static const __u8 mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (strchr(text, ':')) {
		ck_assert_int_eq(inet_pton(AF_INET6, text, out), 1);
		return;
	}
	memcpy(out, mapped, sizeof(mapped));
	ck_assert_int_eq(inet_pton(AF_INET, text, out + 12), 1);
}

START_TEST(example_rule)
{
	struct mptcpify_rule r, want;

	memset(&want, 0, sizeof(want));
	want.match = MPTCPIFY_MATCH_JOIN | MPTCPIFY_MATCH_LOCAL;
	addr("10.2.0.0", want.local.addr);
	want.local.len = 112;
	want.actions = MPTCPIFY_SET_MARK | MPTCPIFY_SET_CC | MPTCPIFY_SET_TOS;
	want.mark = 0x20;
	strcpy(want.cc, "bbr");
	want.tos = 0x10;

	memset(&r, 0xff, sizeof(r)); /* every byte of the result is written */
	parse_ok("join local 10.2.0.0/16 -> mark 0x20 cc bbr tos 0x10", &r);
	ck_assert_uint_eq(r.match, want.match);
	ck_assert_uint_eq(r.local.len, 112);
	ck_assert_uint_eq(r.local.addr[10], 0xff);
	ck_assert_uint_eq(r.local.addr[11], 0xff);
	ck_assert_uint_eq(r.local.addr[12], 10);
	ck_assert_uint_eq(r.local.addr[13], 2);
	ck_assert_uint_eq(r.mark, 0x20);
	ck_assert_str_eq(r.cc, "bbr");
	ck_assert_uint_eq(r.tos, 0x10);
	ck_assert_mem_eq(&r, &want, sizeof(r));
}
END_TEST

START_TEST(empty_match_is_any)
{
	static const char *const texts[] = {"any -> mark 1", "-> mark 1", "  ->\tmark   1\n"};
	struct mptcpify_rule r;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_ok(texts[i], &r);
		ck_assert_uint_eq(r.match, 0);
		ck_assert_uint_eq(r.actions, MPTCPIFY_SET_MARK);
		ck_assert_uint_eq(r.mark, 1);
	}
}
END_TEST

START_TEST(ipv6_prefixes)
{
	struct mptcpify_rule r, v4;
	__u8 a[16];

	parse_ok("local 2001:db8::/32 remote ::1 -> mark 1", &r);
	addr("2001:db8::", a);
	ck_assert_mem_eq(r.local.addr, a, 16);
	ck_assert_uint_eq(r.local.len, 32);
	addr("::1", a);
	ck_assert_mem_eq(r.remote.addr, a, 16);
	ck_assert_uint_eq(r.remote.len, 128);
	parse_ok("local ::/0 -> mark 1", &r);
	ck_assert_uint_eq(r.local.len, 0);
	/* A mapped address in IPv6 syntax is the IPv4 prefix it spells. */
	parse_ok("local ::ffff:10.0.0.0/104 -> mark 1", &r);
	parse_ok("local 10.0.0.0/8 -> mark 1", &v4);
	ck_assert_mem_eq(&r, &v4, sizeof(r));
	parse_fails("local 2001:db8::/129 -> mark 1", CCS, "bad prefix '2001:db8::/129'");
	parse_fails("local 2001:db8:::1 -> mark 1", CCS, "bad prefix '2001:db8:::1'");
	parse_fails("local 10.2 -> mark 1", CCS, "bad prefix '10.2'");
	parse_fails("local 10.2.0.0/ -> mark 1", CCS, "bad prefix '10.2.0.0/'");
	parse_fails("local 10.2.0.0/+8 -> mark 1", CCS, "bad prefix '10.2.0.0/+8'");
	parse_fails("local 10.2.0.0/0x8 -> mark 1", CCS, "bad prefix '10.2.0.0/0x8'");
}
END_TEST

START_TEST(every_action)
{
	struct mptcpify_rule r;

	parse_ok("-> mark 4294967295 cc cubic tos 255 priority 6 keepalive keepidle 60 "
		 "keepintvl 10 keepcnt 5 user-timeout 30000 notsent-lowat 16384 "
		 "pacing-rate 1000 dev eth0",
		 &r);
	ck_assert_uint_eq(r.actions, MPTCPIFY_SET_ALL);
	ck_assert_uint_eq(r.mark, 4294967295u);
	ck_assert_str_eq(r.cc, "cubic");
	ck_assert_uint_eq(r.tos, 255);
	ck_assert_uint_eq(r.priority, 6);
	ck_assert_uint_eq(r.keepidle, 60);
	ck_assert_uint_eq(r.keepintvl, 10);
	ck_assert_uint_eq(r.keepcnt, 5);
	ck_assert_uint_eq(r.user_timeout, 30000);
	ck_assert_uint_eq(r.notsent_lowat, 16384);
	ck_assert_uint_eq(r.pacing_rate, 1000);
	ck_assert_str_eq(r.device, "eth0");
	/* Keepalive timers alone: the kernel takes them, they wait for SO_KEEPALIVE. */
	parse_ok("-> keepidle 1 keepintvl 32767 keepcnt 127", &r);
	ck_assert_uint_eq(r.actions,
			  MPTCPIFY_SET_KEEPIDLE | MPTCPIFY_SET_KEEPINTVL | MPTCPIFY_SET_KEEPCNT);
	parse_ok("-> keepalive", &r);
	ck_assert_uint_eq(r.actions, MPTCPIFY_SET_KEEPALIVE);
}
END_TEST

static const struct {
	const char *text, *err;
} errors[] = {
	{"-> marx 1", "unknown option 'marx'"},
	{"local 10.2.0.0/33 -> mark 1", "bad prefix '10.2.0.0/33'"},
	{"join mark 1", "missing '->'"},
	{"any->mark 1", "missing '->'"}, /* the arrow is a word of its own */
	{"join ->", "no action after '->'"},
	{"initial join -> mark 1", "'initial' and 'join' conflict"},
	{"-> mark 1 mark 2", "'mark' given twice"},
	{"-> mark", "'mark' needs a value"},
	{"", "empty rule"},
	{" \t\n", "empty rule"},
	{"nth -> mark 1", "'nth' needs a value"},
	{"-> cc -> mark 1", "'cc' needs a value"},
	{"-> mark 1 -> tos 1", "'->' given twice"},
	{"mark 1 -> tos 1", "'mark' is an action: it goes after '->'"},
	{"-> mark 1 join", "'join' is a match: it goes before '->'"},
	{"-> mark 1 2", "unknown option '2'"},
	{"-> keepalive 1", "unknown option '1'"},
	{"-> MARK 1", "unknown option 'MARK'"},
	{"-> mark 0x20 tos 0x100", "bad tos '0x100' (0..255)"},
	{"-> mark -1", "bad mark '-1' (0..4294967295)"},
	{"-> mark 0x100000000", "bad mark '0x100000000' (0..4294967295)"},
	{"-> user-timeout 2147483648", "bad user-timeout '2147483648' (0..2147483647)"},
	{"-> keepidle 0", "bad keepidle '0' (1..32767)"},
	{"-> keepintvl 32768", "bad keepintvl '32768' (1..32767)"},
	{"-> keepcnt 128", "bad keepcnt '128' (1..127)"},
};

START_TEST(error_messages)
{
	parse_fails(errors[_i].text, CCS, errors[_i].err);
}
END_TEST

START_TEST(errors_without_buffer)
{
	struct mptcpify_rule r;
	char err[8];

	ck_assert_int_eq(rules_parse("-> marx", CCS, &r, NULL, 0), -EINVAL);
	ck_assert_int_eq(rules_parse(NULL, CCS, &r, NULL, 0), -EINVAL);
	/* A short buffer gets the message cut, still terminated. */
	ck_assert_int_eq(rules_parse("-> marx", CCS, &r, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "unknown");
}
END_TEST

START_TEST(conflicts)
{
	struct mptcpify_rule r;

	parse_fails("join initial -> mark 1", CCS, "'join' and 'initial' conflict");
	parse_fails("active passive -> mark 1", CCS, "'active' and 'passive' conflict");
	parse_fails("passive lport 80 active -> mark 1", CCS, "'passive' and 'active' conflict");
	parse_fails("any join -> mark 1", CCS, "'any' and 'join' conflict");
	parse_fails("rport 443 any -> mark 1", CCS, "'rport' and 'any' conflict");
	/* The initial subflow is the first: these could never match. */
	parse_fails("nth 1 join -> mark 1", CCS, "'nth 1' and 'join' conflict");
	parse_fails("initial nth 2 -> mark 1", CCS, "'initial' and 'nth 2' conflict");
	parse_ok("initial nth 1 -> mark 1", &r);
	parse_ok("join nth 2 -> mark 1", &r);
	parse_ok("initial passive -> mark 1", &r);
}
END_TEST

START_TEST(duplicates)
{
	parse_fails("any any -> mark 1", CCS, "'any' given twice");
	parse_fails("join join -> mark 1", CCS, "'join' given twice");
	parse_fails("nth 2 nth 3 -> mark 1", CCS, "'nth' given twice");
	parse_fails("local 10.0.0.0/8 local ::1 -> mark 1", CCS, "'local' given twice");
	parse_fails("lport 1 lport 1 -> mark 1", CCS, "'lport' given twice");
	parse_fails("passive passive -> mark 1", CCS, "'passive' given twice");
	parse_fails("-> keepalive keepalive", CCS, "'keepalive' given twice");
	parse_fails("-> cc reno cc cubic", CCS, "'cc' given twice");
	parse_fails("-> dev a dev b", CCS, "'dev' given twice");
	parse_fails("-> pacing-rate 1 pacing-rate 1", CCS, "'pacing-rate' given twice");
}
END_TEST

START_TEST(host_bits)
{
	struct mptcpify_rule r;

	parse_fails("local 10.2.0.1/16 -> mark 1", CCS,
		    "bad prefix '10.2.0.1/16': host bits set (did you mean 10.2.0.0/16?)");
	parse_fails("local 10.3.0.0/15 -> mark 1", CCS,
		    "bad prefix '10.3.0.0/15': host bits set (did you mean 10.2.0.0/15?)");
	parse_fails("remote 2001:db8::1/64 -> mark 1", CCS,
		    "bad prefix '2001:db8::1/64': host bits set (did you mean 2001:db8::/64?)");
	parse_fails("remote 1.2.3.4/0 -> mark 1", CCS,
		    "bad prefix '1.2.3.4/0': host bits set (did you mean 0.0.0.0/0?)");
	parse_ok("local 10.2.0.0/15 -> mark 1", &r);
	ck_assert_uint_eq(r.local.len, 96 + 15);
	parse_ok("local 10.2.0.1 -> mark 1", &r);
	ck_assert_uint_eq(r.local.len, 128);
	parse_ok("local 10.2.0.1/32 -> mark 1", &r);
	ck_assert_uint_eq(r.local.len, 128);
	parse_ok("remote 0.0.0.0/0 -> mark 1", &r);
	ck_assert_uint_eq(r.remote.len, 96);
}
END_TEST

START_TEST(number_ranges)
{
	struct mptcpify_rule r;

	parse_fails("lport 0 -> mark 1", CCS, "bad lport '0' (1..65535)");
	parse_fails("rport 65536 -> mark 1", CCS, "bad rport '65536' (1..65535)");
	parse_fails("nth 0 -> mark 1", CCS, "bad nth '0' (1..4294967295)");
	parse_fails("nth 4294967296 -> mark 1", CCS, "bad nth '4294967296' (1..4294967295)");
	parse_fails("nth 99999999999999999999999 -> mark 1", CCS,
		    "bad nth '99999999999999999999999' (1..4294967295)");
	parse_fails("nth +2 -> mark 1", CCS, "bad nth '+2' (1..4294967295)");
	parse_fails("nth 2x -> mark 1", CCS, "bad nth '2x' (1..4294967295)");
	parse_fails("-> mark 0x", CCS, "bad mark '0x' (0..4294967295)");
	parse_fails("-> mark 0x0x1", CCS, "bad mark '0x0x1' (0..4294967295)");
	parse_fails("-> mark 0x-1", CCS, "bad mark '0x-1' (0..4294967295)");
	parse_ok("lport 1 rport 65535 nth 4294967295 -> mark 0 priority 4294967295", &r);
	ck_assert_uint_eq(r.lport, 1);
	ck_assert_uint_eq(r.rport, 65535);
	ck_assert_uint_eq(r.nth, 4294967295u);
	ck_assert_uint_eq(r.actions, MPTCPIFY_SET_MARK | MPTCPIFY_SET_PRIORITY);
	ck_assert_uint_eq(r.mark, 0);
	parse_ok("lport 0x1bb nth 010 -> mark 0XfF tos 0x10", &r);
	ck_assert_uint_eq(r.lport, 443);
	ck_assert_uint_eq(r.nth, 10); /* decimal, not octal */
	ck_assert_uint_eq(r.mark, 0xff);
}
END_TEST

START_TEST(pacing_rate)
{
	static const struct {
		const char *value;
		__u32 rate;
	} good[] = {
		{"1", 1},
		{"1k", 1000},
		{"10m", 10000000},
		{"10M", 10000000},
		{"4g", 4000000000u},
		{"4294967295", 4294967295u},
		{"4294967k", 4294967000u},
		{"0x10k", 16000},
	};
	static const char *const bad[] = {
		"0", "0k", "5g", "4294968k", "4294967296", "k", "10x", "10mm", "-1m", "1.5m",
	};
	struct mptcpify_rule r;
	char text[64], want[128];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "-> pacing-rate %s", good[i].value);
		parse_ok(text, &r);
		ck_assert_uint_eq(r.pacing_rate, good[i].rate);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "-> pacing-rate %s", bad[i]);
		snprintf(want, sizeof(want),
			 "bad pacing-rate '%s' (1..4294967295 bytes/s, or with k, m, g for 1000s)",
			 bad[i]);
		parse_fails(text, CCS, want);
	}
}
END_TEST

START_TEST(device_names)
{
	struct mptcpify_rule r;

	parse_ok("-> dev eth0.100", &r);
	ck_assert_str_eq(r.device, "eth0.100");
	parse_ok("-> dev abcdefghijklmno", &r); /* 15, the most IFNAMSIZ holds */
	ck_assert_str_eq(r.device, "abcdefghijklmno");
	ck_assert_uint_eq(r.device[15], 0);
	parse_fails("-> dev abcdefghijklmnop", CCS,
		    "bad dev 'abcdefghijklmnop' (1..15 characters, no '/' or ':')");
	parse_fails("-> dev a/b", CCS, "bad dev 'a/b' (1..15 characters, no '/' or ':')");
	parse_fails("-> dev eth0:1", CCS, "bad dev 'eth0:1' (1..15 characters, no '/' or ':')");
	parse_fails("-> dev ..", CCS, "bad dev '..' (1..15 characters, no '/' or ':')");
	parse_fails("-> dev", CCS, "'dev' needs a value");
}
END_TEST

START_TEST(congestion_controls)
{
	struct mptcpify_rule r;
	char err[ERRLEN];

	parse_fails("-> cc bbr", "reno cubic\n",
		    "congestion control 'bbr' is not available (available: reno cubic)");
	parse_fails("-> cc bbr", "  reno\t cubic \n",
		    "congestion control 'bbr' is not available (available: reno cubic)");
	parse_fails("-> cc bbr", "", "congestion control 'bbr' is not available (available: none)");
	parse_fails("-> cc cub", CCS,
		    "congestion control 'cub' is not available (available: reno cubic bbr)");
	/* NULL: not checked, the kernel will say when the option is set. */
	ck_assert_int_eq(rules_parse("-> cc bbr2", NULL, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.cc, "bbr2");
	ck_assert_int_eq(rules_parse("-> cc abcdefghijklmno", NULL, &r, err, sizeof(err)), 0);
	parse_fails("-> cc abcdefghijklmnop", NULL,
		    "bad cc 'abcdefghijklmnop' (at most 15 characters)");

	ck_assert_int_eq(rules_cc_available("reno", "reno cubic\n"), 1);
	ck_assert_int_eq(rules_cc_available("cubic", "reno cubic\n"), 1);
	ck_assert_int_eq(rules_cc_available("cub", "reno cubic\n"), 0);
	ck_assert_int_eq(rules_cc_available("cubic2", "reno cubic\n"), 0);
	ck_assert_int_eq(rules_cc_available("", "reno cubic\n"), 0);
	ck_assert_int_eq(rules_cc_available("reno", ""), 0);
	ck_assert_int_eq(rules_cc_available("anything", NULL), 1);
}
END_TEST

START_TEST(too_many_rules)
{
	char *texts[MPTCPIFY_MAX_RULES + 1];
	struct mptcpify_profile p, sentinel;
	char err[ERRLEN];
	int i;

	for (i = 0; i <= MPTCPIFY_MAX_RULES; i++)
		texts[i] = "-> mark 1";
	memset(&p, 0xa5, sizeof(p));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	ck_assert_int_eq(rules_parse_all(9, texts, CCS, &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "too many rules: 9 (at most 8)");
	ck_assert_mem_eq(&p, &sentinel, sizeof(p));
	ck_assert_int_eq(rules_parse_all(0, texts, CCS, &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "no rules");
	ck_assert_mem_eq(&p, &sentinel, sizeof(p));
	ck_assert_int_eq(rules_parse_all(8, texts, CCS, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.nrules, 8);
}
END_TEST

START_TEST(profile_of_rules)
{
	char *texts[] = {"initial -> mark 1", "join local 10.2.0.0/16 -> mark 2 cc bbr",
			 "-> marx 3"};
	struct mptcpify_profile p, sentinel;
	struct mptcpify_rule r;
	char err[ERRLEN];

	memset(&p, 0xa5, sizeof(p));
	memset(&sentinel, 0xa5, sizeof(sentinel));
	ck_assert_int_eq(rules_parse_all(3, texts, CCS, &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "rule 3: unknown option 'marx'");
	ck_assert_mem_eq(&p, &sentinel, sizeof(p));
	ck_assert_int_eq(rules_parse_all(2, texts, "reno\n", &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err,
			 "rule 2: congestion control 'bbr' is not available (available: reno)");
	ck_assert_mem_eq(&p, &sentinel, sizeof(p));

	ck_assert_int_eq(rules_parse_all(2, texts, CCS, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.nrules, 2);
	ck_assert_uint_eq(p.owner, MPTCPIFY_OWNER_CLI);
	parse_ok(texts[1], &r);
	ck_assert_mem_eq(&p.rules[1], &r, sizeof(r));
	/* Unused slots are zero, not left over: the profile is a map value. */
	memset(&r, 0, sizeof(r));
	ck_assert_mem_eq(&p.rules[2], &r, sizeof(r));
	ck_assert_mem_eq(&p.rules[MPTCPIFY_MAX_RULES - 1], &r, sizeof(r));
}
END_TEST

static const char *const varied[] = {
	"join local 10.2.0.0/16 -> mark 0x20 cc bbr tos 0x10",
	"any -> keepalive",
	"-> mark 0",
	"initial nth 1 -> cc reno priority 6",
	"nth 4 remote 2001:db8::/32 -> dev wg0",
	"local ::ffff:10.0.0.0/104 remote 0.0.0.0/0 -> notsent-lowat 16384",
	"local 2001:db8::1 remote ::/0 lport 1 rport 65535 -> user-timeout 2147483647",
	"passive lport 443 -> keepalive keepidle 30 keepintvl 5 keepcnt 9",
	"active rport 8443 -> pacing-rate 4294967295",
	"local 192.168.1.128/25 -> tos 0xfc mark 0xffffffff",
	"remote ::1 -> keepidle 32767 keepcnt 127",
	"remote ::ffff:0:0/96 local ::1.2.3.4 -> mark 1",
	"local 2001:db8:0:0:1:0:0:1 -> dev eth0.100",
	"join nth 2 local 10.0.0.0/8 remote fe80::/10 lport 2 rport 3 active -> mark 1 cc cubic "
	"tos 1 priority 2 keepalive keepidle 3 keepintvl 4 keepcnt 5 user-timeout 6 "
	"notsent-lowat 7 pacing-rate 8k dev eth0",
};

/* parse, format, parse: the same bytes; and the canonical text is a fixed point. */
START_TEST(round_trip)
{
	struct mptcpify_rule a, b;
	char text[512], again[512];
	int n;

	parse_ok(varied[_i], &a);
	n = rules_format(&a, text, sizeof(text));
	ck_assert_int_eq(n, (int)strlen(text));
	parse_ok(text, &b);
	ck_assert_msg(!memcmp(&a, &b, sizeof(a)), "'%s' came back as '%s'", varied[_i], text);
	ck_assert_int_eq(rules_format(&b, again, sizeof(again)), n);
	ck_assert_str_eq(again, text);
}
END_TEST

START_TEST(canonical_text)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"join local 10.2.0.0/16 -> mark 32 cc bbr tos 16",
		 "join local 10.2.0.0/16 -> mark 0x20 cc bbr tos 0x10"},
		{"-> keepalive", "any -> keepalive"},
		{"passive rport 443 lport 8080 remote 2001:DB8:0:0::/48 nth 3 -> dev wg0 "
		 "pacing-rate 1g",
		 "nth 3 remote 2001:db8::/48 lport 8080 rport 443 passive -> "
		 "pacing-rate 1000000000 dev wg0"},
		{"local 10.0.0.1/32 remote ::ffff:192.168.0.0/112 -> tos 16 mark 255",
		 "local 10.0.0.1 remote 192.168.0.0/16 -> mark 0xff tos 0x10"},
		{"local ::/0 remote 0.0.0.0/0 -> mark 1",
		 "local ::/0 remote 0.0.0.0/0 -> mark 0x1"},
		{"remote 2001:db8::1/128 -> keepcnt 3 keepalive user-timeout 0x10",
		 "remote 2001:db8::1 -> keepalive keepcnt 3 user-timeout 16"},
	};
	struct mptcpify_rule r;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].in, &r);
		ck_assert_int_eq(rules_format(&r, text, sizeof(text)), strlen(cases[i].out));
		ck_assert_str_eq(text, cases[i].out);
	}
}
END_TEST

START_TEST(format_needs_room)
{
	const char *want = "any -> mark 0x1";
	struct mptcpify_rule r;
	char text[32];
	int n = strlen(want);

	parse_ok("-> mark 1", &r);
	ck_assert_int_eq(rules_format(&r, text, n + 1), n);
	ck_assert_str_eq(text, want);
	ck_assert_int_eq(rules_format(&r, text, n), -ENOSPC);
	ck_assert_int_eq(rules_format(&r, text, 4), -ENOSPC);
	ck_assert_int_eq(rules_format(&r, NULL, 0), -ENOSPC);
}
END_TEST

static struct mptcpify_subflow subflow(const char *local, const char *remote, __u16 lport,
				       __u16 rport, __u32 nth, bool passive)
{
	struct mptcpify_subflow s;

	memset(&s, 0, sizeof(s));
	addr(local, s.local);
	addr(remote, s.remote);
	s.lport = lport;
	s.rport = rport;
	s.nth = nth;
	s.join = nth > 1;
	s.passive = passive;
	return s;
}

static int matches(const char *rule, const struct mptcpify_subflow *s)
{
	struct mptcpify_rule r;

	parse_ok(rule, &r);
	return mptcpify_rule_matches(&r, s);
}

/* The matcher the sockops program runs agrees with what the text says. */
START_TEST(matcher_agrees)
{
	struct mptcpify_subflow first = subflow("10.2.0.5", "192.0.2.1", 40000, 443, 1, false);
	struct mptcpify_subflow second = subflow("10.2.255.255", "192.0.2.1", 40001, 443, 2, false);
	struct mptcpify_subflow third = subflow("10.3.0.0", "192.0.2.1", 40002, 443, 3, false);
	struct mptcpify_subflow below = subflow("10.1.255.255", "192.0.2.1", 40003, 443, 4, false);
	struct mptcpify_subflow served =
		subflow("2001:db8:1:2::80", "2001:db8:1:2:ffff:ffff:ffff:ffff", 80, 51000, 1, true);
	struct mptcpify_subflow served2 =
		subflow("2001:db8:1:2::80", "2001:db8:1:3::", 80, 51001, 2, true);

	ck_assert(matches("-> mark 1", &first));
	ck_assert(matches("any -> mark 1", &served));
	ck_assert(matches("initial -> mark 1", &first));
	ck_assert(!matches("initial -> mark 1", &second));
	ck_assert(matches("join -> mark 1", &second));
	ck_assert(!matches("join -> mark 1", &first));
	ck_assert(matches("nth 2 -> mark 1", &second));
	ck_assert(!matches("nth 2 -> mark 1", &third));

	ck_assert(matches("local 10.2.0.0/16 -> mark 1", &first));
	ck_assert(matches("local 10.2.0.0/16 -> mark 1", &second)); /* last address */
	ck_assert(!matches("local 10.2.0.0/16 -> mark 1", &third)); /* one past */
	ck_assert(!matches("local 10.2.0.0/16 -> mark 1", &below)); /* one before */
	ck_assert(matches("local 10.2.0.0/15 -> mark 1", &third));  /* within a byte */
	ck_assert(!matches("local 10.2.0.0/17 -> mark 1", &second));
	ck_assert(matches("local 10.2.0.5 -> mark 1", &first));
	ck_assert(!matches("local 10.2.0.4 -> mark 1", &first));
	ck_assert(matches("remote 0.0.0.0/0 -> mark 1", &first));

	ck_assert(matches("remote 2001:db8:1:2::/64 -> mark 1", &served));   /* last address */
	ck_assert(!matches("remote 2001:db8:1:2::/64 -> mark 1", &served2)); /* one past */
	ck_assert(matches("remote 2001:db8:1:2::/63 -> mark 1", &served2));
	ck_assert(matches("local ::/0 -> mark 1", &first)); /* IPv6 ::/0 takes mapped IPv4 too */
	ck_assert(!matches("local 0.0.0.0/0 -> mark 1", &served)); /* IPv4 never IPv6 */

	ck_assert(matches("lport 40000 -> mark 1", &first));
	ck_assert(!matches("lport 40000 -> mark 1", &second));
	ck_assert(matches("rport 443 -> mark 1", &second));
	ck_assert(!matches("rport 80 -> mark 1", &second));
	ck_assert(matches("active -> mark 1", &first));
	ck_assert(!matches("passive -> mark 1", &first));
	ck_assert(matches("passive lport 80 -> mark 1", &served));
	ck_assert(!matches("active -> mark 1", &served));

	ck_assert(matches("join local 10.2.0.0/16 rport 443 -> mark 1", &second));
	ck_assert(!matches("join local 10.2.0.0/16 rport 443 -> mark 1", &first));
	ck_assert(!matches("join local 10.2.0.0/16 rport 443 -> mark 1", &third));
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, example_rule);
	tcase_add_test(tc, empty_match_is_any);
	tcase_add_test(tc, ipv6_prefixes);
	tcase_add_test(tc, every_action);
	tcase_add_loop_test(tc, error_messages, 0, sizeof(errors) / sizeof(errors[0]));
	tcase_add_test(tc, errors_without_buffer);
	tcase_add_test(tc, conflicts);
	tcase_add_test(tc, duplicates);
	tcase_add_test(tc, host_bits);
	tcase_add_test(tc, number_ranges);
	tcase_add_test(tc, pacing_rate);
	tcase_add_test(tc, device_names);
	tcase_add_test(tc, congestion_controls);
	tcase_add_test(tc, too_many_rules);
	tcase_add_test(tc, profile_of_rules);
	tcase_add_loop_test(tc, round_trip, 0, sizeof(varied) / sizeof(varied[0]));
	tcase_add_test(tc, canonical_text);
	tcase_add_test(tc, format_needs_room);
	tcase_add_test(tc, matcher_agrees);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(rules_suite)
