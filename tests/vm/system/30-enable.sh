#!/bin/bash
# mptcpify enable: a service enforced at every start by its drop-in, with
# the daemon stopped; disable brings TCP back.
# shellcheck source=lib
. /usr/local/lib/vmtest/cases/lib

check "systemctl stop mptcpify" systemctl stop mptcpify
web_unit web2 8090
unit_sum=$(md5sum </etc/systemd/system/web2.service)
check "mptcpify enable web2.service --mode $MODE" mptcpify enable web2.service --mode "$MODE"
check "its drop-in is in place" test -f /etc/systemd/system/web2.service.d/mptcpify.conf
is "the unit's own file untouched" "$(md5sum </etc/systemd/system/web2.service)" "$unit_sum"
diag "$(systemctl cat web2 | grep ExecStartPre)"
snap
restart_each web2 10
if [ "$MODE" = rewrite ]; then
	is "10 restarts without the daemon: MPTCP every time (MIB)" "$(delta)" \
		"active=10 mptcp_active=10 mptcp_passive=10"
else
	is "10 restarts, audit: TCP every time (MIB)" "$(delta)" "active=10 mptcp_active=0 mptcp_passive=0"
	cg=$(systemctl show -p ControlGroup --value web2)
	is "and the running one's sockets counted" \
		"$(mptcpify -j stats "$cg" | grep -o '"tcp_created":[0-9]*' | cut -d: -f2)" 2
fi
check "mptcpify disable web2.service" mptcpify disable web2.service
check "the drop-in is gone" test ! -e /etc/systemd/system/web2.service.d/mptcpify.conf
snap
n=$(fetches web2)
systemctl restart web2
wait_until "web2 fetched its page" "$HANG_S" fetched web2 $((n + 1))
is "after disable: TCP again (MIB)" "$(delta)" "active=1 mptcp_active=0 mptcp_passive=0"
systemctl stop web2
out=$(mptcpify enable 'web2/../x' 2>&1)
is "a name that is not a service is refused (exit 64)" "$?" 64

# The binary's path is one quoted word of ExecStartPre=: a space in it
# works, a newline (which would start a directive of its own) is refused.
mkdir -p "/opt/my tools" $'/opt/a\nb'
cp "$(command -v mptcpify)" "/opt/my tools/mptcpify"
cp "$(command -v mptcpify)" $'/opt/a\nb/mptcpify'
check "enable from a path with a space" "/opt/my tools/mptcpify" enable web2.service --mode "$MODE"
is "systemd runs that path" \
	"$(systemctl show -p ExecStartPre --value web2 | grep -o 'path=[^;]*' | sed 's/ *$//')" \
	"path=/opt/my tools/mptcpify"
check "and disables from it" "/opt/my tools/mptcpify" disable web2.service
out=$($'/opt/a\nb/mptcpify' enable web2.service 2>&1)
is "a path with a newline is refused (exit 1)" "$?" 1
diag "$out"
check "and writes no drop-in" test ! -e /etc/systemd/system/web2.service.d/mptcpify.conf
rm -rf "/opt/my tools" $'/opt/a\nb'

# A template's drop-in applies to every instance; there is no running
# cgroup to look up, and nothing of systemctl's is printed.
printf '[Service]\nExecStart=/bin/sleep 1000\n' >/etc/systemd/system/tpl@.service
out=$(mptcpify enable tpl@.service --mode "$MODE" 2>&1)
is "enable tpl@.service: exit 0" "$?" 0
is "with one line of its own" "$out" \
	"tpl@.service: enabled (/etc/systemd/system/tpl@.service.d/mptcpify.conf)"
is "an instance has the drop-in" \
	"$(systemctl show -p ExecStartPre --value tpl@one.service | grep -c 'attach --self')" 1
check "disable tpl@.service" mptcpify disable tpl@.service
check "its drop-in is gone" test ! -e /etc/systemd/system/tpl@.service.d/mptcpify.conf
rm -f /etc/systemd/system/tpl@.service
systemctl daemon-reload

# A running service: enable enforces its cgroup at once, disable releases
# it; the cgroup is the one systemd reports for the unit (its ControlGroup).
systemctl start web2
cg=$(systemctl show -p ControlGroup --value web2)
dropin=/etc/systemd/system/web2.service.d/mptcpify.conf
is "enable on a running service enforces its cgroup now" \
	"$(mptcpify enable web2.service --mode "$MODE" 2>&1)" \
	"web2.service: enabled ($dropin); its running cgroup $cg is enforced now"
is "disable releases it" "$(mptcpify disable web2.service 2>&1)" \
	"web2.service: disabled ($dropin); its running cgroup $cg is no longer enforced"
systemctl stop web2
check "the daemon starts again" systemctl start mptcpify
