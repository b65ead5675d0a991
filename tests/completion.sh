#!/bin/bash
# The bash completion (deploy/bash-completion/mptcpify), driven as bash
# drives it: COMP_WORDS and COMP_CWORD set, the function that `complete -p`
# names called, COMPREPLY read back. Cgroup paths are completed below the
# real cgroup2 mount, in a scratch cgroup.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm/tap.sh
. "$ROOT/tests/vm/tap.sh"
# shellcheck source=../deploy/bash-completion/mptcpify
. "$ROOT/deploy/bash-completion/mptcpify"

# complete_line LINE: what completing the last word of LINE offers, sorted.
complete_line() {
	local fn
	read -r -a COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$1
	COMP_POINT=${#1}
	COMPREPLY=()
	fn=$(complete -p mptcpify | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	"$fn" mptcpify "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

is "complete -p names the function" "$(complete -p mptcpify)" "complete -F _mptcpify mptcpify"
is "commands by prefix" "$(complete_line 'mptcpify a')" "attach"
M=${BUILD:-$ROOT/build}/mptcpify
cmds=$("$M" help | sed -n 's/^  mptcpify \([a-z]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
is "every command of mptcpify help" "$(complete_line 'mptcpify ')" "$cmds"
for c in $cmds; do
	# help takes no option (help --help is the global help).
	want=""
	[ "$c" = help ] || want=$({
		"$M" "$c" --help | grep -oE -- '^  --[a-z-]+' | tr -d ' '
		echo --help
	} | sort -u | tr '\n' ' ' | sed 's/ $//')
	is "$c: the options of its help, and --help" "$(complete_line "mptcpify $c --")" "$want"
done
is "after global options" "$(complete_line 'mptcpify -j --pin-dir /tmp st')" "stats"
is "global options" "$(complete_line 'mptcpify --p')" "--pin-dir --pretty"
is "run: commands after --" "$(complete_line 'mptcpify run --mode audit -- bas')" "$(compgen -c -- bas | sort -u | tr '\n' ' ' | sed 's/ $//')"
is "attach's options" "$(complete_line 'mptcpify attach x --')" "--exclude --help --mode --on-incompatible --self"
is "modes" "$(complete_line 'mptcpify attach x --mode ')" "audit rewrite"
is "on-incompatible values" "$(complete_line 'mptcpify run --on-incompatible e')" "exclude"
is "subflow's subcommands" "$(complete_line 'mptcpify subflow s')" "set show"
is "pm's subcommand" "$(complete_line 'mptcpify pm ')" "show"
is "rule words" "$(complete_line 'mptcpify subflow set x join -> m')" "mark"
is "rule matches" "$(complete_line 'mptcpify subflow set x jo')" "join"
cc=$(awk '{ print $1 }' /proc/sys/net/ipv4/tcp_available_congestion_control)
is "congestion controls this kernel has" "$(complete_line "mptcpify subflow set x join -> cc $cc")" "$cc"
is "help's command" "$(complete_line 'mptcpify help su')" "subflow"
is "the daemon's options" "$(complete_line 'mptcpify daemon --cl')" "--cleanup-on-exit"
is "the --cgroup-metrics values" "$(complete_line 'mptcpify daemon --cgroup-metrics ')" "all off"

CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
if [ -z "$CG2" ] || [ "$(id -u)" != 0 ]; then
	skip "cgroup paths" "needs root and a cgroup2 mount"
else
	# A scratch cgroup of this run's own: another checkout's run may
	# complete beside it.
	S=mptcpify-completion-$$
	mkdir -p "$CG2/$S/alpha" "$CG2/$S/beta"
	is "cgroup paths below the mount" "$(complete_line "mptcpify attach $S/a")" "$S/alpha/"
	is "with a leading slash, as /proc/PID/cgroup shows them" \
		"$(complete_line "mptcpify detach /$S/b")" "$S/beta/"
	is "and cgroupfs paths" "$(complete_line "mptcpify stats $CG2/$S/al")" "$CG2/$S/alpha/"
	is "a subflow profile's cgroup" \
		"$(complete_line "mptcpify subflow set $S/b")" "$S/beta/"
	is "pm show's cgroup" "$(complete_line "mptcpify pm show $S/al")" "$S/alpha/"
	is "no second cgroup" "$(complete_line "mptcpify attach $S/alpha mptc")" ""
	rmdir "$CG2/$S/alpha" "$CG2/$S/beta" "$CG2/$S"
fi
tap_done
