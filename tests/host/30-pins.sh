#!/bin/bash
# Pins: enforcement outlives the loader, a second run adopts, a newer build
# replaces the program in place, and detach/unload leave nothing behind.
. "$(dirname "$0")/env.sh"

# Programs of this test's pins: not those of another mptcpify on the host.
prog_ids() {
	bpftool -j prog show | jq -r --arg base "$base_progs" \
		'.[] | select(.name == "mptcpify_audit") | select(.id | tostring | IN($base | split(" ")[]) | not) | .id' |
		sort | tr '\n' ' '
}
base_progs=""
base_progs=$(prog_ids)
link_ids() {
	bpftool -j link show | jq -r '.[] | select(.attach_type == "cgroup_inet_sock_create") | .id' |
		sort | tr '\n' ' '
}
audit_attached_all() {
	# Anywhere in the tree: the programs attach where the entries are.
	bpftool -j cgroup tree "$CG2" |
		jq '[.[]?.programs[]? | select(.name == "mptcpify_audit")] | length'
}
audit_attached_at() { # CG: attached there, not inherited
	bpftool -j cgroup show "$1" | jq -s '[.[][]? | select(.name == "mptcpify_audit")] | length'
}
# Attachments of this test's pins: not those of another mptcpify on the host.
base_attached=$(audit_attached_all)
audit_attached() {
	echo $(($(audit_attached_all) - base_attached))
}

mkdir -p "$TESTCG/a" "$TESTCG/b"
base_links=$(link_ids)
check "attach a" "$M" attach --mode audit "$TESTCG/a"
is "the audit program is attached once, at the entry's cgroup" "$(audit_attached)" 1
is "that is, at $TESTCG/a" "$(audit_attached_at "$TESTCG/a")" 1
first=$(prog_ids)
in_cgroup "$TESTCG/a" "$SOCKCHECK" inet stream 0 >/dev/null
is "a socket after the loader exited is counted" "$(stat_of "$TESTCG/a" tcp_created)" 1

out=$("$M" attach --mode audit "$TESTCG/a")
is "a second identical attach says so" "$out" "/$(basename "$TESTCG")/a audit: already attached"
check "and exits 0" "$M" attach --mode audit "$TESTCG/a"
is "a second attach loads no second copy" "$(prog_ids)" "$first"
check "attach b adopts the pins" "$M" attach --mode audit "$TESTCG/b"
is "still one audit program" "$(prog_ids)" "$first"
is "attached at each of the two sibling entries" "$(audit_attached)" 2

modes=$(stat -c '%a' "$MPTCPIFY_PIN_DIR" "$MPTCPIFY_PIN_DIR"/* "$MPTCPIFY_PIN_DIR"/*/* |
	sort -u | tr '\n' ' ')
is "pins are root-only (0700 dirs, 0600 files)" "$modes" "600 700 "

# A newer build: same maps, its own program, the same cgroup link updated.
if [ -x "$NEXT" ]; then
	links=$(link_ids)
	check "a newer build adopts and upgrades" "$NEXT" load
	is "the upgrade replaced the program" "$([ "$(prog_ids)" != "$first" ] && echo new)" new
	is "the link is the same, updated in place" "$(link_ids)" "$links"
	is "counters survive the upgrade" "$(stat_of "$TESTCG/a" tcp_created)" 1
	in_cgroup "$TESTCG/a" "$SOCKCHECK" inet stream 0 >/dev/null
	is "the new program counts" "$(stat_of "$TESTCG/a" tcp_created)" 2
	check "the old build adopts the newer pins" "$M" load

	# The pins of a build before attach points: one link per cgroup
	# program at the cgroup2 root, as links/<program>. An upgrade attaches
	# where the entries are, and only then detaches the root links.
	root_before=$(audit_attached_at "$CG2")
	for l in audit:sock_create subflow:sockops setsockopt:setsockopt getsockopt:getsockopt; do
		name=${l%%:*}
		[ -d "$MPTCPIFY_PIN_DIR/links/$name" ] || continue
		rm -r "$MPTCPIFY_PIN_DIR/links/$name"
		"$BUILD/tests/linkpin" "$MPTCPIFY_PIN_DIR/progs/$name" "$CG2" "${l#*:}" \
			"$MPTCPIFY_PIN_DIR/links/$name"
	done
	is "made: the layout of an older build, at the root" \
		"$(($(audit_attached_at "$CG2") - root_before)) $(audit_attached)" "1 1"
	check "a newer build upgrades them" "$NEXT" load
	is "the root link is gone" "$(($(audit_attached_at "$CG2") - root_before))" 0
	is "attached at the two entries instead" "$(audit_attached)" 2
	check "links/audit is a directory of attach points" test -d "$MPTCPIFY_PIN_DIR/links/audit"
	check "no root link pin is left aside" test ! -e "$MPTCPIFY_PIN_DIR/links/audit-root"
	in_cgroup "$TESTCG/a" "$SOCKCHECK" inet stream 0 >/dev/null
	is "and a's sockets count once" "$(stat_of "$TESTCG/a" tcp_created)" 3
	check "the old build adopts them back" "$M" load
else
	skip "upgrade in place" "$NEXT not built (make vm-bin)"
fi

# A mode change releases the program the old mode needed.
check "b becomes an exclusion" "$M" attach --exclude "$TESTCG/b"
check "a becomes an exclusion: no audit entry left" "$M" attach --exclude "$TESTCG/a"
is "the audit program is released" "$(audit_attached)" 0
check "a audits again" "$M" attach --mode audit "$TESTCG/a"
check "b audits again" "$M" attach --mode audit "$TESTCG/b"

# An entry follows one cgroup: once it is removed, the next change prunes it.
mkdir -p "$TESTCG/gone"
check "attach a cgroup that will be removed" "$M" attach --mode audit "$TESTCG/gone"
rmdir "$TESTCG/gone"
is "list shows it as removed" "$("$M" -j list | jq '[.cgroups[] | select(.cgroup == null)] | length')" 1
check "the next change runs" "$M" attach --mode audit "$TESTCG/a"
is "and the removed cgroup's entry is gone" \
	"$("$M" -j list | jq '[.cgroups[] | select(.cgroup == null)] | length')" 0

check "detach a" "$M" detach "$TESTCG/a"
is "b is still attached" "$("$M" -j list | jq -r '[.cgroups[].cgroup] | join(" ")')" \
	"/$(basename "$TESTCG")/b"
check "detach b, the last entry" "$M" detach "$TESTCG/b"
check "no pin directory left" test ! -e "$MPTCPIFY_PIN_DIR"
is "no mptcpify program left" "$(prog_ids)" ""
is "no mptcpify cgroup attachment left" "$(audit_attached)" 0
is "no link left" "$(link_ids)" "$base_links"

check "attach again" "$M" attach --mode audit "$TESTCG/a"
check "unload" "$M" unload
check "unload leaves no pin" test ! -e "$MPTCPIFY_PIN_DIR"
is "unload leaves no program" "$(prog_ids)" ""
is "unload leaves no attachment" "$(audit_attached)" 0
is "a second unload is fine" "$("$M" unload)" "mptcpify was not loaded"
tap_done
