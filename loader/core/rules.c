// SPDX-License-Identifier: GPL-2.0
/* Subflow rules: "[MATCH...] -> ACTION..." to struct mptcpify_rule and back. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"

#define ARROW "->"
/* Longer than any valid value, the longest being an IPv6 prefix with a dotted tail. */
#define VALUE_MAX 64
#define TOK(t) (int)(t)->len, (t)->s

enum value { V_NONE, V_NUM, V_PREFIX, V_RATE, V_CC, V_DEV };

struct word {
	const char *name;
	bool action; /* after the arrow; match and action bits overlap */
	__u32 bit;
	__u32 conflict; /* the bit that cannot go with this one */
	enum value value;
	unsigned short off, size; /* where the value goes in the rule */
	__u32 min, max;
	bool hex; /* canonical form in hex: marks and TOS are bit fields */
};

#define FIELD(f) \
	.off = offsetof(struct mptcpify_rule, f), .size = sizeof(((struct mptcpify_rule *)0)->f)
#define MATCH(n, b) .name = n, .bit = MPTCPIFY_MATCH_##b
#define ACTION(n, b) .name = n, .action = true, .bit = MPTCPIFY_SET_##b

/* In canonical order: rules_format() prints the words in this order. */
static const struct word words[] = {
	{MATCH("initial", INITIAL), .conflict = MPTCPIFY_MATCH_JOIN},
	{MATCH("join", JOIN), .conflict = MPTCPIFY_MATCH_INITIAL},
	{MATCH("nth", NTH), .value = V_NUM, FIELD(nth), .min = 1, .max = UINT32_MAX},
	{MATCH("local", LOCAL), .value = V_PREFIX, FIELD(local)},
	{MATCH("remote", REMOTE), .value = V_PREFIX, FIELD(remote)},
	{MATCH("lport", LPORT), .value = V_NUM, FIELD(lport), .min = 1, .max = 65535},
	{MATCH("rport", RPORT), .value = V_NUM, FIELD(rport), .min = 1, .max = 65535},
	{MATCH("active", ACTIVE), .conflict = MPTCPIFY_MATCH_PASSIVE},
	{MATCH("passive", PASSIVE), .conflict = MPTCPIFY_MATCH_ACTIVE},
	{ACTION("mark", MARK), .value = V_NUM, FIELD(mark), .max = UINT32_MAX, .hex = true},
	{ACTION("cc", CC), .value = V_CC, FIELD(cc)},
	{ACTION("tos", TOS), .value = V_NUM, FIELD(tos), .max = 255, .hex = true},
	{ACTION("priority", PRIORITY), .value = V_NUM, FIELD(priority), .max = UINT32_MAX},
	{ACTION("keepalive", KEEPALIVE)},
	/* The kernel's MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL and MAX_TCP_KEEPCNT. */
	{ACTION("keepidle", KEEPIDLE), .value = V_NUM, FIELD(keepidle), .min = 1, .max = 32767},
	{ACTION("keepintvl", KEEPINTVL), .value = V_NUM, FIELD(keepintvl), .min = 1, .max = 32767},
	{ACTION("keepcnt", KEEPCNT), .value = V_NUM, FIELD(keepcnt), .min = 1, .max = 127},
	/* TCP_USER_TIMEOUT reads an int and refuses negative ones. */
	{ACTION("user-timeout", USER_TIMEOUT), .value = V_NUM, FIELD(user_timeout),
	 .max = INT32_MAX},
	{ACTION("notsent-lowat", NOTSENT_LOWAT), .value = V_NUM, FIELD(notsent_lowat),
	 .max = UINT32_MAX},
	/* A zero maximum pacing rate stalls the subflow under fq: never what one wants. */
	{ACTION("pacing-rate", PACING_RATE), .value = V_RATE, FIELD(pacing_rate), .min = 1,
	 .max = UINT32_MAX},
	{ACTION("dev", DEVICE), .value = V_DEV, FIELD(device)},
};

#define NWORDS (sizeof(words) / sizeof(words[0]))

struct tok {
	const char *s;
	size_t len;
};

/* A bounded appender: keeps counting past the end so the caller learns the size. */
struct out {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	bool room = o->pos < o->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->pos : NULL, room ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += n;
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool next_tok(const char **p, const char *end, struct tok *t)
{
	const char *s = *p;

	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s >= end)
		return false;
	t->s = s;
	while (s < end && !isspace((unsigned char)*s))
		s++;
	t->len = s - t->s;
	*p = s;
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

/* The word @t names; with @t NULL, the one of @bit on its side of the arrow. */
static const struct word *find(const struct tok *t, __u32 bit, bool action)
{
	size_t i;

	for (i = 0; i < NWORDS; i++)
		if (t ? tok_is(t, words[i].name) : words[i].bit == bit && words[i].action == action)
			return &words[i];
	return NULL;
}

/*
 * Digits only, decimal or (base 0) 0x hex: strtoull alone would take a sign,
 * leading blanks, octal and a second "0x".
 */
static int parse_num(const char *s, int base, unsigned long long *out)
{
	const char *digits = "0123456789";

	if (base == 0 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = "0123456789abcdefABCDEF";
		s += 2;
	}
	if (!s[0] || s[strspn(s, digits)])
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, NULL, digits[10] ? 16 : 10);
	return errno ? -EINVAL : 0;
}

/* Bytes per second with an optional k, m or g: powers of 1000, as tc has them. */
static int parse_rate(char *s, unsigned long long *out)
{
	static const char suffixes[] = "kKmMgG";
	static const unsigned long long mult[] = {1000, 1000000, 1000000000};
	size_t n = strlen(s);
	const char *sfx = n ? strchr(suffixes, s[n - 1]) : NULL;
	unsigned long long v;

	if (sfx)
		s[n - 1] = '\0';
	if (parse_num(s, 0, &v) || v > UINT32_MAX)
		return -EINVAL;
	*out = sfx ? v * mult[(sfx - suffixes) / 2] : v; /* at most 2^32 * 10^9: no wrap */
	return 0;
}

static const __u8 v4mapped[12] = {[10] = 0xff, [11] = 0xff};

static int parse_prefix(char *s, struct mptcpify_prefix *p)
{
	bool v6 = strchr(s, ':');
	unsigned long long len = v6 ? 128 : 32;
	char *slash = strchr(s, '/');

	memset(p, 0, sizeof(*p));
	if (slash) {
		*slash = '\0';
		if (parse_num(slash + 1, 10, &len) || len > (v6 ? 128 : 32))
			return -EINVAL;
	}
	if (v6) {
		p->len = len;
		return inet_pton(AF_INET6, s, p->addr) == 1 ? 0 : -EINVAL;
	}
	memcpy(p->addr, v4mapped, sizeof(v4mapped));
	p->len = 96 + len;
	return inet_pton(AF_INET, s, p->addr + 12) == 1 ? 0 : -EINVAL;
}

/* Clear the bits beyond the length; true if there were any. */
static bool clear_host_bits(struct mptcpify_prefix *p)
{
	bool set = false;
	int i, bits;
	__u8 mask;

	for (i = 0; i < 16; i++) {
		bits = (int)p->len - i * 8;
		mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (__u8)(0xff00 >> bits);
		set |= p->addr[i] & ~mask;
		p->addr[i] &= mask;
	}
	return set;
}

/* Mapped IPv4 prints as IPv4 with its own length; a host route without one. */
static void format_prefix(const struct mptcpify_prefix *p, char *buf, size_t len)
{
	bool v4 = p->len >= 96 && !memcmp(p->addr, v4mapped, sizeof(v4mapped));
	int plen = v4 ? p->len - 96 : p->len;
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? p->addr + 12 : p->addr, a, sizeof(a));
	if (plen == (v4 ? 32 : 128))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%d", a, plen);
}

int rules_cc_available(const char *name, const char *available_cc)
{
	size_t n = strlen(name), w;
	const char *p = available_cc;

	if (!p)
		return 1;
	while (n && *p) {
		p += strspn(p, " \t\n");
		w = strcspn(p, " \t\n");
		if (w == n && !memcmp(p, name, n))
			return 1;
		p += w;
	}
	return 0;
}

static int cc_missing(const struct tok *t, const char *available_cc, char *err, size_t errlen)
{
	char list[256];
	struct out o = {list, sizeof(list), 0};
	const char *p = available_cc;
	size_t w;

	list[0] = '\0';
	while (*(p += strspn(p, " \t\n"))) {
		w = strcspn(p, " \t\n");
		put(&o, "%s%.*s", o.pos ? " " : "", (int)w, p);
		p += w;
	}
	return fail(err, errlen, "congestion control '%.*s' is not available (available: %s)",
		    TOK(t), o.pos ? list : "none");
}

static int bad_value(const struct word *w, const struct tok *t, char *err, size_t errlen)
{
	switch (w->value) {
	case V_PREFIX:
		return fail(err, errlen, "bad prefix '%.*s'", TOK(t));
	case V_RATE:
		return fail(err, errlen,
			    "bad %s '%.*s' (%u..%u bytes/s, or with k, m, g for 1000s)", w->name,
			    TOK(t), w->min, w->max);
	case V_CC:
		return fail(err, errlen, "bad cc '%.*s' (at most %d characters)", TOK(t),
			    MPTCPIFY_NAME_MAX - 1);
	case V_DEV:
		return fail(err, errlen, "bad dev '%.*s' (1..%d characters, no '/' or ':')", TOK(t),
			    MPTCPIFY_NAME_MAX - 1);
	default:
		return fail(err, errlen, "bad %s '%.*s' (%u..%u)", w->name, TOK(t), w->min, w->max);
	}
}

static int parse_value(const struct word *w, const struct tok *t, const char *available_cc,
		       struct mptcpify_rule *r, char *err, size_t errlen)
{
	char v[VALUE_MAX], net[VALUE_MAX];
	char *dst = (char *)r + w->off;
	struct mptcpify_prefix pfx;
	unsigned long long n;
	__u16 n16;
	__u32 n32;

	if (t->len >= sizeof(v))
		return bad_value(w, t, err, errlen);
	memcpy(v, t->s, t->len);
	v[t->len] = '\0';
	switch (w->value) {
	case V_NUM:
	case V_RATE:
		if ((w->value == V_RATE ? parse_rate(v, &n) : parse_num(v, 0, &n)) || n < w->min ||
		    n > w->max)
			return bad_value(w, t, err, errlen);
		n16 = n;
		n32 = n;
		memcpy(dst, w->size == sizeof(n16) ? (void *)&n16 : &n32, w->size);
		return 0;
	case V_PREFIX:
		if (parse_prefix(v, &pfx))
			return bad_value(w, t, err, errlen);
		if (clear_host_bits(&pfx)) {
			format_prefix(&pfx, net, sizeof(net));
			return fail(err, errlen,
				    "bad prefix '%.*s': host bits set (did you mean %s?)", TOK(t),
				    net);
		}
		memcpy(dst, &pfx, sizeof(pfx));
		return 0;
	case V_CC:
		if (t->len >= MPTCPIFY_NAME_MAX)
			return bad_value(w, t, err, errlen);
		if (!rules_cc_available(v, available_cc))
			return cc_missing(t, available_cc, err, errlen);
		memcpy(dst, v, t->len + 1);
		return 0;
	case V_DEV:
		/* What the kernel's dev_valid_name() refuses, less what a token cannot hold. */
		if (t->len >= MPTCPIFY_NAME_MAX || strpbrk(v, "/:") || !strcmp(v, ".") ||
		    !strcmp(v, ".."))
			return bad_value(w, t, err, errlen);
		memcpy(dst, v, t->len + 1);
		return 0;
	default:
		return 0;
	}
}

/* One match or action word at @t, and its value from *p when it takes one. */
static int take(const struct tok *t, const char **p, const char *end, bool action,
		const char *available_cc, struct mptcpify_rule *r, char *err, size_t errlen)
{
	const struct word *w = find(t, 0, false);
	__u32 *mask = action ? &r->actions : &r->match;
	struct tok v;

	if (!w)
		return fail(err, errlen, "unknown option '%.*s'", TOK(t));
	if (w->action != action)
		return fail(err, errlen, "'%s' is %s", w->name,
			    action ? "a match: it goes before '->'" :
				     "an action: it goes after '->'");
	if (*mask & w->bit)
		return fail(err, errlen, "'%s' given twice", w->name);
	if (*mask & w->conflict)
		return fail(err, errlen, "'%s' and '%s' conflict",
			    find(NULL, w->conflict, action)->name, w->name);
	*mask |= w->bit;
	if (w->value == V_NONE)
		return 0;
	if (!next_tok(p, end, &v) || tok_is(&v, ARROW))
		return fail(err, errlen, "'%s' needs a value", w->name);
	return parse_value(w, &v, available_cc, r, err, errlen);
}

int rules_parse(const char *text, const char *available_cc, struct mptcpify_rule *out, char *err,
		size_t errlen)
{
	const char *end, *p, *arrow = NULL;
	struct mptcpify_rule r;
	bool any = false;
	struct tok t;
	int ret;

	text = text ? text : "";
	end = text + strlen(text);
	for (p = text; !arrow && next_tok(&p, end, &t);)
		arrow = tok_is(&t, ARROW) ? t.s : NULL;
	if (!arrow)
		return fail(err, errlen, p == text ? "empty rule" : "missing '->'");

	memset(&r, 0, sizeof(r)); /* padding too: the rule is a map value */
	for (p = text; next_tok(&p, arrow, &t);) {
		if (tok_is(&t, "any")) {
			if (any)
				return fail(err, errlen, "'any' given twice");
			if (r.match)
				return fail(err, errlen, "'%s' and 'any' conflict",
					    find(NULL, r.match & -r.match, false)->name);
			any = true;
			continue;
		}
		ret = take(&t, &p, arrow, false, available_cc, &r, err, errlen);
		if (ret)
			return ret;
		if (any)
			return fail(err, errlen, "'any' and '%.*s' conflict", TOK(&t));
	}
	/* The initial subflow is the first one: these would never match. */
	if ((r.match & MPTCPIFY_MATCH_NTH) && (r.match & MPTCPIFY_MATCH_JOIN) && r.nth == 1)
		return fail(err, errlen, "'nth 1' and 'join' conflict");
	if ((r.match & MPTCPIFY_MATCH_NTH) && (r.match & MPTCPIFY_MATCH_INITIAL) && r.nth != 1)
		return fail(err, errlen, "'initial' and 'nth %u' conflict", r.nth);

	for (p = arrow + strlen(ARROW); next_tok(&p, end, &t);) {
		if (tok_is(&t, ARROW))
			return fail(err, errlen, "'->' given twice");
		ret = take(&t, &p, end, true, available_cc, &r, err, errlen);
		if (ret)
			return ret;
	}
	if (!r.actions)
		return fail(err, errlen, "no action after '->'");
	*out = r;
	return 0;
}

int rules_parse_all(int n, char **texts, const char *available_cc, struct mptcpify_profile *out,
		    char *err, size_t errlen)
{
	struct mptcpify_profile prof;
	char why[256];
	int i;

	if (n < 1)
		return fail(err, errlen, "no rules");
	if (n > MPTCPIFY_MAX_RULES)
		return fail(err, errlen, "too many rules: %d (at most %d)", n, MPTCPIFY_MAX_RULES);
	memset(&prof, 0, sizeof(prof));
	for (i = 0; i < n; i++)
		if (rules_parse(texts[i], available_cc, &prof.rules[i], why, sizeof(why)))
			return fail(err, errlen, "rule %d: %s", i + 1, why);
	prof.nrules = n;
	*out = prof;
	return 0;
}

static void put_words(struct out *o, const struct mptcpify_rule *r, bool action)
{
	__u32 mask = action ? r->actions : r->match, n32;
	const char *src;
	char pfx[VALUE_MAX];
	size_t i;
	__u16 n16;

	for (i = 0; i < NWORDS; i++) {
		const struct word *w = &words[i];

		if (w->action != action || !(mask & w->bit))
			continue;
		src = (const char *)r + w->off;
		put(o, "%s%s", o->pos ? " " : "", w->name);
		switch (w->value) {
		case V_NUM:
		case V_RATE:
			memcpy(w->size == sizeof(n16) ? (void *)&n16 : &n32, src, w->size);
			put(o, w->hex ? " 0x%x" : " %u", w->size == sizeof(n16) ? n16 : n32);
			break;
		case V_PREFIX:
			format_prefix((const struct mptcpify_prefix *)src, pfx, sizeof(pfx));
			put(o, " %s", pfx);
			break;
		case V_CC:
		case V_DEV:
			put(o, " %.*s", (int)strnlen(src, MPTCPIFY_NAME_MAX), src);
			break;
		default:
			break;
		}
	}
}

int rules_format(const struct mptcpify_rule *r, char *buf, size_t len)
{
	struct out o = {buf, len, 0};

	if (!r->match)
		put(&o, "any");
	put_words(&o, r, false);
	put(&o, " " ARROW);
	put_words(&o, r, true);
	return o.pos < len ? (int)o.pos : -ENOSPC;
}
