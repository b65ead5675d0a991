#!/bin/bash
# Bad input gets one clear line and its exit code, and changes nothing.
. "$(dirname "$0")/env.sh"

snapshot() {
	ls -lR "$MPTCPIFY_PIN_DIR" 2>/dev/null
	"$M" -j stats 2>/dev/null
}

# expect_fail DESC RC PATTERN CMD...
expect_fail() {
	local desc=$1 rc=$2 pattern=$3 before after out got
	shift 3
	before=$(snapshot)
	out=$("$@" 2>&1 >/dev/null)
	got=$?
	after=$(snapshot)
	is "$desc: exit code" "$got" "$rc"
	is "$desc: one line" "$(printf '%s\n' "$out" | wc -l)" 1
	if printf '%s\n' "$out" | grep -qE -- "$pattern"; then
		ok "$desc: says '$pattern'"
	else
		not_ok "$desc: says '$pattern'" "got: $out"
	fi
	is "$desc: changes nothing" "$after" "$before"
}

bad_inputs() {
	local state=$1 v1
	expect_fail "$state, missing cgroup" 1 '^Error: no such cgroup.*No such file or directory' \
		"$M" attach --mode audit "$CG2/mptcpify-does-not-exist"
	v1=$(findmnt -rn -t cgroup -o TARGET | head -n1)
	if [ -n "$v1" ]; then
		expect_fail "$state, cgroup v1 path" 1 'cgroup v1 path; mptcpify needs cgroup v2' \
			"$M" attach --mode audit "$v1"
	else
		skip "$state, cgroup v1 path" "no cgroup v1 hierarchy mounted on this host"
	fi
	expect_fail "$state, regular file" 1 'not a cgroup directory' \
		"$M" attach --mode audit "$TESTCG/cgroup.procs"
	expect_fail "$state, relative path escaping the mount" 1 'outside the cgroup2 mount' \
		"$M" attach --mode audit ../../../etc
	expect_fail "$state, not root" 1 'needs privileges.*Hint: run as root' \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$M" attach --mode audit "$TESTCG"
	expect_fail "$state, pin directory not on bpffs" 1 'not on bpffs' \
		"$M" --pin-dir /tmp/mptcpify-not-bpffs/pins attach --mode audit "$TESTCG"
	expect_fail "$state, detach of a cgroup never attached" 1 'not attached' \
		"$M" detach "$TESTCG"
	expect_fail "$state, no command" 64 '^Error: missing command' "$M"
	expect_fail "$state, unknown command" 64 "unknown command 'frob'" "$M" frob
	expect_fail "$state, ambiguous prefix (list, load)" 64 "ambiguous command 'l'" "$M" l
	expect_fail "$state, attach without CGROUP" 64 'missing CGROUP' "$M" attach
	expect_fail "$state, bad mode" 64 '--mode takes rewrite or audit' \
		"$M" attach "$TESTCG" --mode sometimes
}

# Rewrite where the kernel refuses it: the reason, and a way forward.
rewrite_refusal() {
	local verdict reason
	verdict=$("$M" -j probe | jq -r .verdict)
	reason=$("$M" -j probe | jq -r .reason)
	diag "probe verdict here: $verdict ($reason)"
	if [ "$verdict" = "rewrite" ]; then
		skip "rewrite refused with a reason" "this kernel allows the rewrite (tested in the VM matrix)"
		return
	fi
	# The reason is text, not a pattern: escape what ERE would read.
	reason=$(printf '%s' "$reason" | sed 's/[][()|.*+?^$\\]/\\&/g')
	expect_fail "$1, rewrite refused by the kernel" 1 \
		"cannot rewrite sockets here: $reason.*Hint: use --mode audit" "$M" attach "$TESTCG"
}

bad_inputs "nothing loaded"
rewrite_refusal "nothing loaded"
check "nothing loaded: still no pin directory" test ! -e "$MPTCPIFY_PIN_DIR"

mkdir -p "$TESTCG/loaded"
"$M" attach --mode audit "$TESTCG/loaded" >/dev/null
bad_inputs "audit loaded"
rewrite_refusal "audit loaded"

out=$("$M" -j attach "$CG2/mptcpify-does-not-exist" 2>/dev/null)
is "JSON errors go to stdout as an object" "$(jq -r '.error | test("no such cgroup")' <<<"$out")" true

# Names others chose reach no terminal and no JSON raw: invalid UTF-8 is
# escaped (an error once lost its "error" key), control and invisible
# characters too (U+202E shows one name as another).
out=$("$M" -j attach "$CG2/mptcpify-"$'\xff\x1b[31m' 2>/dev/null)
is "-j: an error naming non-UTF-8 bytes keeps its error key" \
	"$(jq -r '.error | test("mptcpify-\\\\xff\\\\x1b\\[31m")' <<<"$out")" true
Y=$(mktemp -d)
printf 'selectors: []\n' >"$Y/c"$'\xff.yaml'
out=$("$M" -j daemon --check --config "$Y/c"$'\xff.yaml')
is "-j daemon --check of a non-UTF-8 path prints it escaped" \
	"$(jq -r '.config | endswith("\\xff.yaml")' <<<"$out")" true
printf 'selectors:\n  - {name: x, cgroup: /a, "k\\e[31m\\u202e": 1}\n' >"$Y/c.yaml"
out=$("$M" daemon --check --config "$Y/c.yaml" 2>&1)
is "--check escapes a key's control and invisible characters" \
	"$(printf '%s' "$out" | grep -c $'\x1b\\|\xe2\x80\xae')" 0
diag "$out"
rm -r "$Y"
mkdir -p "$TESTCG/evil"$'\xe2\x80\xae'"txt.exe"
"$M" attach --mode audit "$TESTCG/evil"$'\xe2\x80\xae'"txt.exe" >/dev/null
out=$("$M" list)
is "list shows a U+202E cgroup name escaped, never raw" \
	"$(grep -c 'evil\\xe2\\x80\\xaetxt\.exe' <<<"$out") $(grep -c $'\xe2\x80\xae' <<<"$out")" "2 0"
tap_done
