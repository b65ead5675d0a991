#!/bin/bash
# Observability a platform team can use: the alert rules and the dashboard
# checked against a live daemon's scrape (every metric they name is one it
# exports), the scrape valid for promtool, the per-cgroup series labelled
# with namespace, pod and container, and each cgroup-metrics level giving
# exactly the series it should. Audit mode: the host kernel refuses the
# rewrite. The daemon runs the AddressSanitizer build.
. "$(dirname "$0")/env.sh"

command -v promtool >/dev/null || skip_all "no promtool (Debian's prometheus package)"
command -v jq >/dev/null || skip_all "no jq"
PORT=19472
. "$(dirname "$0")/daemon-lib.sh"

RULES=$ROOT/deploy/prometheus/mptcpify-rules.yaml
DASHBOARD=$ROOT/deploy/grafana/mptcpify-dashboard.json
CTRS=$WORK/containers # the kubelet's links, beside the pods directory
mkdir -p "$CTRS" "$TESTCG/system.slice"

# 1. The files themselves.
check "promtool check rules" promtool check rules "$RULES"
check "promtool test rules: each alert fires when it should" \
	sh -c "cd '$ROOT/deploy/prometheus' && promtool test rules mptcpify-rules.test.yaml"
check "the dashboard is JSON with panels" jq -e '.panels | length > 10' "$DASHBOARD"
is "its data source is a template variable" \
	"$(jq -r '.templating.list[] | select(.type == "datasource") | .name' "$DASHBOARD")" datasource
# shellcheck disable=SC2016 # Grafana's variable, not the shell's
is "and every panel and query uses it" \
	"$(jq '[.. | objects | select(has("datasource")) | .datasource.uid] | unique' -c "$DASHBOARD")" \
	'["${datasource}"]'

# 2. A node: pod web-0 with two containers (the kubelet linked one of them),
# pod db-0, and a service.
conf() { # LEVEL: the configuration, with cgroup-metrics LEVEL
	cat >"$CONF" <<-EOF
		cgroup-metrics: $1
		selectors:
		  - name: containers
		    cgroup: "$(rel "$K" | cut -c2-)/*/cri-containerd-*.scope"
		    mode: audit
		  - name: shop
		    pod: {namespace: shop}
		    mode: audit
		  - name: nginx
		    unit: nginx.service
		    mode: audit
	EOF
}
conf all
ID1=$(printf '%064x' 0xc1)
ID2=$(printf '%064x' 0xc2)
UID1=aaaaaaaa-0000-4000-8000-$(printf '%012x' 1)
UID2=aaaaaaaa-0000-4000-8000-$(printf '%012x' 2)
web=$(pod shop web-0 1)
db=$(pod shop db-0 2)
ctr1=$web/cri-containerd-$ID1.scope
ctr2=$web/cri-containerd-$ID2.scope
mkdir "$ctr1" "$ctr2" "$TESTCG/system.slice/nginx.service"
ln -s "/var/log/pods/shop_web-0_$UID1/app/0.log" "$CTRS/web-0_shop_app-$ID1.log"

start_daemon
for cg in "$web" "$db" "$ctr1" "$ctr2" "$TESTCG/system.slice/nginx.service"; do
	wait_for "$(basename "$cg") is enforced" "[ \"\$(entry '$cg')\" = 'audit daemon' ]"
done
socket_in "$web"
socket_in "$ctr1"
socket_in "$ctr2"
socket_in "$TESTCG/system.slice/nginx.service"

scrape() { curl -s -m 30 "http://127.0.0.1:$PORT/metrics"; }
# scrape_until FILE SHELL-CONDITION: a whole scrape into FILE once the
# condition on it holds (a scrape is up to two seconds old, and slower to
# come on a busy machine; see metric_is); false after HANG_S seconds. A
# scrape cut short, or none, is never taken for one where a series is gone.
scrape_until() {
	poll "scrape >'$1' && grep -q '^mptcpify_build_info' '$1' && { $2; }"
}
# The label sets of a family's samples, its last label (result) left out.
series() { # FILE FAMILY
	sed -n "s/^$2{\(.*\),result=\"[a-z_]*\"} .*/\1/p" "$1" | sort -u
}
value() { # FILE SAMPLE: its value
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

A=$WORK/all.txt
scrape_until "$A" "grep -q 'container=\"app\".*result=\"tcp_created\"} 1' '$A'"
check "promtool check metrics: cgroup-metrics all" sh -c "promtool check metrics <'$A'"
R=$(rel "$web")
is "all: a series per cgroup, with namespace, pod and container where known" \
	"$(series "$A" mptcpify_cgroup_sockets_total)" \
	"$(
		cat <<-EOF | sort
			selector="containers",cgroup="$R/cri-containerd-$ID1.scope",namespace="shop",pod="web-0",container="app",container_id="$ID1"
			selector="containers",cgroup="$R/cri-containerd-$ID2.scope",namespace="shop",pod="web-0",container_id="$ID2"
			selector="shop",cgroup="$R",namespace="shop",pod="web-0"
			selector="shop",cgroup="$(rel "$db")",namespace="shop",pod="db-0"
			selector="nginx",cgroup="$(rel "$TESTCG/system.slice/nginx.service")"
		EOF
	)"
is "the counts are each cgroup's own" \
	"$(value "$A" "mptcpify_cgroup_sockets_total{selector=\"shop\",cgroup=\"$R\",namespace=\"shop\",pod=\"web-0\",result=\"tcp_created\"}")" 1

# The kubelet links the second container: its name follows, no restart.
ln -s "/var/log/pods/shop_web-0_$UID1/late/0.log" "$CTRS/web-0_shop_late-$ID2.log"
scrape_until "$WORK/late.txt" "grep -q 'container=\"late\",container_id=\"$ID2\"' '$WORK/late.txt'"
is "a container linked later is named in the next scrapes" "$?" 0
# A link a user made names nothing. Made and given to the user aside, then
# moved in: no scrape can see it as root's.
ID3=$(printf '%064x' 0xc3)
mkdir "$web/cri-containerd-$ID3.scope"
ln -s /nowhere "$WORK/evil.log"
chown -h 65534:65534 "$WORK/evil.log"
mv "$WORK/evil.log" "$CTRS/web-0_shop_evil-$ID3.log"
scrape_until "$WORK/evil.txt" "grep -q 'container_id=\"$ID3\"' '$WORK/evil.txt'"
check "a container link that is not root's names no container" \
	sh -c "grep 'container_id=\"$ID3\"' '$WORK/evil.txt' | grep -vq 'container=\"evil\"'"
rmdir "$web/cri-containerd-$ID3.scope"

# 3. Every metric the dashboard and the rules name is one the daemon exports.
exported=$(sed -n 's/^# TYPE \([a-zA-Z_:][a-zA-Z0-9_:]*\) .*/\1/p' "$A" | sort -u)
# Names in PromQL: mptcpify_* identifiers and up, outside string literals.
names_in() { # reads text; prints the metric names it uses
	sed 's/"\([^"\\]\|\\.\)*"//g' | grep -oE '(^|[^a-zA-Z0-9_:])(mptcpify_[a-zA-Z0-9_]+|up)([^a-zA-Z0-9_:(]|$)' |
		grep -oE 'mptcpify_[a-zA-Z0-9_]+|up' | sort -u
}
unknown() { # names...: those the scrape does not export (up is Prometheus')
	local n
	for n in "$@"; do
		[ "$n" = up ] || grep -qx "$n" <<<"$exported" || echo "$n"
	done
}
# The dashboard's queries: targets and variables, as jq reads them.
dash_names=$(jq -r '[.. | objects | (.expr?, .definition?, (.query? | strings)) | strings] | .[]' \
	"$DASHBOARD" | names_in)
# The rules' expressions, block scalars included: every line of them but comments.
rule_names=$(sed -e 's/^\s*#.*//' -e '/^\s*\(summary\|description\):/d' "$RULES" | names_in)
check "the dashboard queries at least 20 metrics" test "$(wc -l <<<"$dash_names")" -ge 20
check "the rules use at least 8" test "$(wc -l <<<"$rule_names")" -ge 8
# shellcheck disable=SC2086
is "every metric the dashboard names is exported" "$(unknown $dash_names)" ""
# shellcheck disable=SC2086
is "every metric the rules name is exported" "$(unknown $rule_names)" ""
# shellcheck disable=SC2046
is "and the check finds a name that is not" "$(unknown $(names_in <<<\
	'rate(mptcpify_no_such_total{a="mptcpify_in_a_string"}[5m]) / up'))" mptcpify_no_such_total

# 4. cgroup-metrics pods: a series per pod and selector, summed; no paths.
conf pods
kill -HUP "$DPID"
P=$WORK/pods.txt
scrape_until "$P" "grep -q 'uid=\"$UID1\"' '$P'"
check "promtool check metrics: cgroup-metrics pods" sh -c "promtool check metrics <'$P'"
is "pods: a series per pod and selector; the service, in no pod, has none" \
	"$(series "$P" mptcpify_cgroup_sockets_total)" \
	"$(
		cat <<-EOF | sort
			selector="containers",namespace="shop",pod="web-0",uid="$UID1"
			selector="shop",namespace="shop",pod="web-0",uid="$UID1"
			selector="shop",namespace="shop",pod="db-0",uid="$UID2"
		EOF
	)"
is "a pod's series sums its cgroups" "$(value "$P" "mptcpify_cgroup_sockets_total{selector=\"containers\",namespace=\"shop\",pod=\"web-0\",uid=\"$UID1\",result=\"tcp_created\"}")" 2
check "no cgroup path in the exposition" sh -c "! grep -q 'cgroup=\"' '$P'"
is "the selectors' totals are as with all" \
	"$(value "$P" 'mptcpify_sockets_total{selector="containers",result="tcp_created"}')" 2

# 5. cgroup-metrics off: none; and --cgroup-metrics off wins over the file.
conf off
kill -HUP "$DPID"
O=$WORK/off.txt
scrape_until "$O" "! grep -q '^mptcpify_cgroup_sockets_total' '$O'"
check "promtool check metrics: cgroup-metrics off" sh -c "promtool check metrics <'$O'"
is "off: no per-cgroup series" "$(grep -c '^mptcpify_cgroup_\(sockets\|connections\|subflow\)' "$O")" 0
is "and the totals stay" "$(value "$O" 'mptcpify_sockets_total{selector="shop",result="tcp_created"}')" 1
conf banana
kill -HUP "$DPID"
wait_for "a bad cgroup-metrics is refused" "grep -q 'reload-refused' '$LOG'"
line=$(grep -n 'cgroup-metrics' "$CONF" | cut -d: -f1)
case "$(grep reload-refused "$LOG")" in
*"config.yaml:$line:17: cgroup-metrics must be all, pods or off"*) ok "with its line and column" ;;
*) not_ok "with its line and column" "$(grep reload-refused "$LOG")" ;;
esac
stop_daemon "the daemon exits 0, ASan clean"
conf all
start_daemon --cgroup-metrics off
scrape_until "$O" "grep -q '^mptcpify_sockets_total' '$O'"
is "--cgroup-metrics off wins over cgroup-metrics: all" \
	"$(grep -c '^mptcpify_cgroup_\(sockets\|connections\|subflow\)' "$O")" 0
stop_daemon "and exits 0"
tap_done
