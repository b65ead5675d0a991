#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The shape of the loader, checked: files a reader can take in one sitting,
# and modules that depend on each other one way only. TAP.
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
tap_done
