#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the daemon configuration example of README.md (the yaml block between
# the daemon-config markers): the tests load exactly what the README shows.
README=${1:-$(dirname "$0")/../README.md}
awk '/<!-- daemon-config:begin -->/ { on = 1; next }
     /<!-- daemon-config:end -->/ { on = 0 }
     on && !/^```/' "$README"
