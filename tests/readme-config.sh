#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tests/readme-config.sh [README [BLOCK]]: print the code block of README.md
# between the BLOCK markers (<!-- BLOCK:begin --> ... <!-- BLOCK:end -->),
# daemon-config by default (the daemon's configuration example): the tests
# load and run exactly what the README shows.
README=${1:-$(dirname "$0")/../README.md}
BLOCK=${2:-daemon-config}
awk -v b="<!-- $BLOCK:begin -->" -v e="<!-- $BLOCK:end -->" '
     $0 == b { on = 1; next }
     $0 == e { on = 0 }
     on && !/^```/' "$README"
