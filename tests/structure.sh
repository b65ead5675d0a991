#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The shape of the loader, checked: files a reader can take in one sitting,
# modules that depend on each other one way only, names that say where a
# command or a function lives, and one owner for the pin store's lock. TAP.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
. tests/vm/tap.sh
MAX_LINES=${MAX_LINES:-500}

long=$(wc -l loader/*/*.c loader/*/*.h | awk -v max="$MAX_LINES" '$2 != "total" && $1 > max')
is "no loader source file is over $MAX_LINES lines" "$long" ""

# A module is a .c and its .h; "a includes b" when either file of a names b.h.
declare -A deps
for f in loader/*/*.c loader/*/*.h; do
	mod=${f%.*}
	mod=${mod#loader/}
	while read -r inc; do
		case $inc in
		*/*) dep=${inc%.h} ;;
		*) dep=$(dirname "$mod")/${inc%.h} ;;
		esac
		[ "$dep" != "$mod" ] && [ -e "loader/$dep.h" ] && deps[$mod]+=" $dep"
	done < <(sed -n 's/^#include "\(.*\)"$/\1/p' "$f")
done
cycles=""
for a in "${!deps[@]}"; do
	for b in ${deps[$a]}; do
		case " ${deps[$b]:-} " in *" $a "*) [[ $a < $b ]] && cycles+="$a<->$b " ;; esac
	done
done
is "no two loader modules include each other" "$cycles" ""

# The shared core never reaches up into the command line or the daemon.
up=$(grep -l '#include "\(cli\|daemon\)/' loader/core/* 2>/dev/null | tr '\n' ' ')
is "loader/core includes nothing of cli/ or daemon/" "$up" ""
up=$(grep -l '#include "cli/' loader/daemon/* 2>/dev/null | tr '\n' ' ')
is "loader/daemon includes nothing of cli/" "$up" ""
# A command's file is named after what the user types: loader/cli/cmd_X.c
# holds `mptcpify X` (and its pair: detach, unload, disable, stats), X
# being a name of main.c's command table.
commands=" $(sed -n '/^static const struct cmd commands\[\]/,/^};/s/^\t{"\([a-z-]*\)",.*/\1/p' loader/cli/main.c | tr '\n' ' ')"
unnamed=""
for f in loader/cli/cmd_*.c; do
	c=${f#loader/cli/cmd_}
	case $commands in *" ${c%.c} "*) ;; *) unnamed+="$f " ;; esac
done
is "main.c's command table is read" "$([ "$commands" != " " ] && echo ok)" ok
is "each loader/cli/cmd_*.c is named after a command of main.c's table" "$unnamed" ""
# Every function a module's header declares carries the module's name, or
# the name of a struct or enum the header defines (pins_ in pinstore.h,
# map_snapshot_ in snapshot.h): a call names the file that holds it. But
# output.h: p_err/p_warn/p_info are bpftool's names, which every command
# calls and a reader of bpftool already knows.
PREFIX_EXEMPT=" output "
unprefixed=""
nfn=0
for h in loader/*/*.h; do
	m=$(basename "$h" .h)
	case $PREFIX_EXEMPT in *" $m "*) continue ;; esac
	allowed=$m
	for t in $(grep -oP '^(struct|enum) \K[a-z_0-9]+(?= \{)' "$h"); do
		allowed+="|$t"
	done
	fns=$(grep -oP '^[a-zA-Z_].*?\b\K[a-z_][a-z0-9_]*(?=\()' "$h")
	nfn=$((nfn + $(echo "$fns" | grep -c .)))
	bad=$(echo "$fns" | grep -Ev "^($allowed)(_|$)")
	[ -n "$bad" ] && unprefixed+="$h: $(echo $bad) "
done
is "the headers' functions are read" "$([ "$nfn" -gt 100 ] && echo ok)" ok
is "every function of a module's header carries its module's (or its type's) name" "$unprefixed" ""

# The pin store owns its lock and its directory's descriptor: no flock()
# and no dir_fd of struct pins anywhere else.
lockers=$(grep -lE 'flock\(|[.>]dir_fd\b' loader/*/*.c | grep -v '^loader/core/\(pinstore\|pindir\)\.c$' | tr '\n' ' ')
is "only the pin store takes locks and holds the pin directory's descriptor" "$lockers" ""

# Arrays grow in one place, where the size arithmetic is checked for
# overflow once: every other file calls growarray_reserve().
grows=$(grep -l '\<realloc\(array\)\?\s*(' loader/*/*.c loader/*/*.h |
	grep -v '^loader/core/growarray\.[ch]$' | tr '\n' ' ')
is "realloc is only in loader/core/growarray.c (use growarray_reserve: its growth is overflow-checked)" "$grows" ""

# A table keyed by a hash of a name takes two names with one hash for one:
# names are keyed by themselves (strmap, which hashes only to find a chain
# and compares the key). lifecycle's build id is a fingerprint, no key.
hashed=$(grep -l 'idmap_hash *(' loader/*/*.c |
	grep -v '^loader/core/\(idmap\|strmap\|lifecycle\)\.c$' | tr '\n' ' ')
is "idmap_hash is only in strmap.c and lifecycle.c (key tables of names with strmap: it compares the keys)" "$hashed" ""

# README's Architecture section answers each newcomer's question with at
# most three files, read in order: the files must exist, and stay three.
arch=$(sed -n '/^## Architecture$/,/^## /p' README.md)
named=$(echo "$arch" | grep -oE '`(bpf|include|loader|tests)/[A-Za-z0-9_./-]+`' | tr -d '`' | sort -u)
missing=""
for f in $named; do [ -e "$f" ] || missing+="$f "; done
is "README's Architecture section names files" "$([ -n "$named" ] && echo ok)" ok
is "every file README's Architecture section names exists" "$missing" ""
answers=$(echo "$arch" | awk '/^\*\*.*\?\*\*$/ { if (q != "") print q ": " n; q = $0; n = 0; next }
	/^[0-9]+\. `/ { n++ } END { if (q != "") print q ": " n }')
is "README's Architecture section asks its questions" "$(echo "$answers" | grep -c .)" 3
is "each question of README's Architecture section is answered by at most three files" \
	"$(echo "$answers" | grep -v ': [0-3]$' || true)" ""

# README's list of the pins is the pin store's: a map added to PINNED_MAPS
# is added there too.
readme_maps=$(sed -n '/^maps\/{/,/}/p' README.md | tr -d ' \n' | sed 's/^maps\/{//; s/}.*//' | tr ',' '\n' | sort)
store_maps=$(grep -oP 'X\(\K[a-z_0-9]+(?=\))' loader/core/pinstore.h | sort)
is "README lists the maps of PINNED_MAPS (pinstore.h)" "$(comm -3 <(echo "$readme_maps") <(echo "$store_maps") | tr -d '\t' | tr '\n' ' ')" ""
tap_done
