#!/bin/bash
# Host-kernel tests: each NN-*.sh is a TAP script, run in order, as root.
set -u
cd "$(dirname "$0")" || exit 1
rc=0
for t in [0-9][0-9]-*.sh; do
	echo "# host/$t"
	bash "./$t" || rc=1
done
exit $rc
