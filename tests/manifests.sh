#!/bin/bash
# deploy/kubernetes as a cluster would take it: `kubectl kustomize` renders
# the base, every overlay and every component (each in an overlay of the
# base made here), and tests/k8s's; every document is valid against the
# Kubernetes API schema (tests/k8s-validate.py, Debian's
# python3-kubernetes), or for the Prometheus Operator's kinds, which it
# lacks, checked here and by promtool; the validator refuses what the API
# server would; the DaemonSet has what a BPF agent needs to run for real:
# bpffs mounted on the host and propagated, no AppArmor in the way, no
# service-account token, probes, resources, amd64 nodes, a namespace that
# admits it; the image is named in one place, the shipped configuration
# selects nothing, a configuration change rolls the agents; the uninstall
# replaces the agent with one that unloads; the PrometheusRule is the alert
# rules file's, and each runbook link names a heading of the README's
# Troubleshooting section. What the manifests do on a host is
# tests/host/80-deploy.sh's, on a node the Debian guest's 70-daemonset.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm/tap.sh
. "$ROOT/tests/vm/tap.sh"
KDIR=$ROOT/deploy/kubernetes
VALIDATE=$ROOT/tests/k8s-validate.py
RULES=$ROOT/deploy/prometheus/mptcpify-rules.yaml
KUBECTL=${KUBECTL:-kubectl}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
y2j() { "$ROOT/tests/yaml2json" "$@"; }

command -v jq >/dev/null || {
	echo "1..0 # SKIP needs jq"
	exit 0
}
# Components and replacements need kustomize v4.5 (kubectl 1.24, the first
# to print its version); Debian 12's kubernetes-client is 1.20.
if ! command -v "$KUBECTL" >/dev/null; then
	echo "1..0 # SKIP no $KUBECTL"
	exit 0
fi
kv=$("$KUBECTL" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\{0,1\}//p')
case $kv in
[4-9].* | [1-9][0-9].*) ;;
*)
	echo "1..0 # SKIP $KUBECTL embeds a kustomize older than v4.5 (needs kubectl 1.24 or newer)"
	exit 0
	;;
esac

# Every variant, rendered as `kubectl apply -k` would apply it: each
# kustomization of deploy/kubernetes; each component added to the base by
# an overlay made here; tests/k8s's, whose file is outside their directory.
declare -A VARIANT # name -> rendered YAML
render() { # NAME DIR [KUBECTL-KUSTOMIZE-OPTION...]
	local name=$1 dir=$2
	shift 2
	VARIANT[$name]=$WORK/$(echo "$name" | tr / _).yaml
	check "kubectl kustomize $name" \
		sh -c "'$KUBECTL' kustomize $* '$dir' >'${VARIANT[$name]}'"
}
while read -r k; do
	d=$(dirname "$k")
	render "${d#"$ROOT"/}" "$d"
done < <(find "$KDIR" -name kustomization.yaml ! -path '*/components/*' | sort)
overlay() { # NAME KUSTOMIZATION-TEXT: an overlay of the base, in $WORK/NAME
	mkdir -p "$WORK/$1"
	printf '%s\n' "$2" >"$WORK/$1/kustomization.yaml"
}
rel=$(realpath --relative-to="$WORK/x" "$KDIR")
for c in "$KDIR"/components/*/; do
	c=$(basename "$c")
	overlay "with-$c" "resources: [$rel/base]
components: [$rel/components/$c]"
	render "base + components/$c" "$WORK/with-$c"
done
for d in "$ROOT"/tests/k8s/*/; do
	render "tests/k8s/$(basename "$d")" "$d" --load-restrictor LoadRestrictionsNone
done
DEFAULT=${VARIANT[deploy/kubernetes]}
y2j "$DEFAULT" | jq -s . >"$WORK/rendered.json"
q() { jq -r "$@" "$WORK/rendered.json"; }
qv() { # VARIANT JQ-ARGS...: jq on a variant's documents
	local v=$1
	shift
	y2j "${VARIANT[$v]}" | jq -s -r "$@"
}

# deploy/kubernetes applies base/, whose kustomization lists every manifest
# of it, and generates the ConfigMap from config.yaml.
is "deploy/kubernetes is base/" "$(y2j "$KDIR/kustomization.yaml" | jq -c .resources)" '["base"]'
resources=$(y2j "$KDIR/base/kustomization.yaml" | jq -r '.resources[]')
files=$(for f in "$KDIR"/base/*.yaml; do
	case ${f##*/} in kustomization.yaml | config.yaml) ;; *) echo "${f##*/}" ;; esac
done | sort | tr '\n' ' ')
is "base/kustomization.yaml lists every manifest" "$(echo "$resources" | sort | tr '\n' ' ')" "$files"
want=1 # the generated ConfigMap
for f in $files; do
	want=$((want + $(y2j "$KDIR/base/$f" | wc -l)))
done
is "and renders each of their documents and the ConfigMap ($want)" "$(q length)" "$want"

if ! /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
	skip "every variant's documents are valid against the API schema" "no python3-kubernetes"
	skip "and so is each file as it is" "no python3-kubernetes"
	skip "the validator refuses invalid manifests" "no python3-kubernetes"
else
	# Kinds of the Prometheus Operator's CRDs are not in the schema: they
	# are checked below.
	for v in "${!VARIANT[@]}"; do
		y2j "${VARIANT[$v]}" | jq -c 'select(.apiVersion | startswith("monitoring.coreos.com/") | not)' |
			sed 's/^/---\n/' >"$WORK/core-$(echo "$v" | tr '/ +' '___').yaml"
	done
	check "every variant's documents are valid against the API schema" \
		"$VALIDATE" "$WORK"/core-*.yaml
	# Other tests read the files themselves, without kustomize.
	# shellcheck disable=SC2086 # file names, no blanks
	check "and so is each file as it is" sh -c "cd '$KDIR/base' && '$VALIDATE' $files"

	# The validator cannot pass vacuously: the DaemonSet, changed in one
	# place, is refused, and the error names the place. JSON is YAML. One
	# run for every case (python3-kubernetes takes seconds to import); each
	# error line starts with its file's name.
	q '.[] | select(.kind == "DaemonSet")' >"$WORK/ds.json"
	check "the validator takes the DaemonSet unchanged" "$VALIDATE" "$WORK/ds.json"
	C='.spec.template.spec.containers[0]'
	cases=(
		"an unknown field (a container's mountPropagation)"
		"$C.mountPropagation = \"HostToContainer\""
		"containers[0].mountPropagation: unknown field in V1Container"

		"a wrong type (readOnlyRootFilesystem: \"true\")"
		"$C.securityContext.readOnlyRootFilesystem = \"true\""
		"readOnlyRootFilesystem: must be a boolean, not string"

		"a wrong type in a list (a port number as a string)"
		"$C.ports[0].containerPort = \"9464\""
		"ports[0].containerPort: must be an integer, not string"

		"a missing required field (the init container's name)"
		'del(.spec.template.spec.initContainers[0].name)'
		"initContainers[0].name: required field of V1Container missing"

		"a missing required field (the DaemonSet's selector)"
		'del(.spec.selector)'
		"spec.selector: required field of V1DaemonSetSpec missing"

		"a misspelt mount propagation"
		"$C.volumeMounts[2].mountPropagation = \"HostToContainers\""
		"'HostToContainers' is not one of"

		"a memory limit that is not a quantity"
		"$C.resources.limits.memory = \"128MB\""
		"'128MB' is not a quantity"

		"a kind its apiVersion does not serve"
		'.apiVersion = "extensions/v1beta1"'
		"no kind DaemonSet in apiVersion extensions/v1beta1"

		"an AppArmor annotation that names no profile"
		'.spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/mptcpify"] = "none"'
		"'none' is not an AppArmor profile"
	)
	bad=()
	for ((i = 0; i < ${#cases[@]}; i += 3)); do
		jq "${cases[i + 1]}" "$WORK/ds.json" >"$WORK/bad-$i.json"
		bad+=("$WORK/bad-$i.json")
	done
	"$VALIDATE" "${bad[@]}" >"$WORK/bad.out" 2>&1
	for ((i = 0; i < ${#cases[@]}; i += 3)); do
		errs=$(grep -F "$WORK/bad-$i.json: " "$WORK/bad.out")
		if [ -z "$errs" ]; then
			not_ok "the validator refuses ${cases[i]}" "${cases[i + 1]}: accepted"
		elif ! grep -qF -- "${cases[i + 2]}" <<<"$errs"; then
			not_ok "the validator refuses ${cases[i]}" \
				"${cases[i + 1]}: want an error with: ${cases[i + 2]}" "$errs"
		else
			ok "the validator refuses ${cases[i]}"
		fi
	done
fi

# What the DaemonSet needs on a real node.
DS='.[] | select(.kind == "DaemonSet")'
POD="$DS | .spec.template.spec"
AGENT="$POD | .containers[] | select(.name == \"mptcpify\")"
INIT="$POD | .initContainers[]?"
ALL="$POD | (.initContainers[]?, .containers[])"
is "a Namespace, mptcpify" "$(q '[.[] | select(.kind == "Namespace") | .metadata.name] | join(" ")')" \
	mptcpify
is "which Pod Security Admission lets privileged pods into" \
	"$(q '.[] | select(.kind == "Namespace") | .metadata.labels["pod-security.kubernetes.io/enforce"]')" \
	privileged
is "every other object is in it" \
	"$(q '[.[] | select(.kind != "Namespace" and .metadata.namespace != "mptcpify")] | length')" 0

# The image: named "mptcpify" in the manifests, which images: rewrites, set
# there alone, to the version the Makefile builds.
version=$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")
is "base/kustomization.yaml's images: sets mptcpify to localhost/mptcpify:$version" \
	"$(y2j "$KDIR/base/kustomization.yaml" | jq -r '.images[] | "\(.name)=\(.newName):\(.newTag)"')" \
	"mptcpify=localhost/mptcpify:$version"
IMAGE=localhost/mptcpify:$version
is "every container of the manifests names the image mptcpify" \
	"$(y2j "$KDIR/base/daemonset.yaml" | jq -r '[.spec.template.spec | (.initContainers[]?, .containers[]) | .image] | unique | join(" ")')" \
	mptcpify
wrong=""
for v in "${!VARIANT[@]}"; do
	# shellcheck disable=SC2016 # jq's variable
	wrong+=$(qv "$v" --arg i "$IMAGE" --arg v "$v" '.[] | select(.kind == "DaemonSet") | .spec.template.spec |
		(.initContainers[]?, .containers[]) | select(.image != $i) | "\($v): \(.name): \(.image)\n"')
done
is "which every variant renders as $IMAGE" "$wrong" ""
is "one DaemonSet, whose container is $IMAGE" \
	"$(q "[$DS] | length"):$(q "$AGENT | .image")" "1:$IMAGE"
is "its init container: same image, privileged" \
	"$(q "[$INIT | \"\(.name) \(.image) \(.securityContext.privileged)\"] | join(\",\")")" \
	"mount-bpffs $IMAGE true"
is "on amd64 Linux nodes only, as the image is built" \
	"$(q "$POD | .nodeSelector | to_entries | map(\"\(.key)=\(.value)\") | join(\" \")")" \
	"kubernetes.io/arch=amd64 kubernetes.io/os=linux"
is "the bpffs volume is the host's /sys/fs/bpf" \
	"$(q "$POD | .volumes[] | select(.name == \"bpffs\") | .hostPath.path")" /sys/fs/bpf
mount_of() { # CONTAINER-FILTER: how it mounts bpffs
	q "[$1 | .volumeMounts[] | select(.name == \"bpffs\") |
		\"\(.mountPath) \(.mountPropagation // \"None\")\"] | join(\",\")"
}
is "the init container mounts it Bidirectional: its mounts reach the host" \
	"$(mount_of "$INIT")" "/sys/fs/bpf Bidirectional"
is "the agent HostToContainer: the host's mounts reach it" \
	"$(mount_of "$AGENT")" "/sys/fs/bpf HostToContainer"
init_cmd=$(q "$INIT | .command | join(\" \")")
check "the init container mounts bpffs, root-only, where there is none" \
	grep -qE '^/bin/sh -c .*stat -f -c %T /sys/fs/bpf.*= bpf_fs.*\|\| *mount -t bpf -o mode=0700 bpffs /sys/fs/bpf$' \
	<<<"$init_cmd"
# The API server refuses the two combinations below.
is "Bidirectional only in privileged containers" \
	"$(q "[$ALL | select(any(.volumeMounts[]?; .mountPropagation == \"Bidirectional\") and
		.securityContext.privileged != true) | .name] | join(\" \")")" ""
is "no privileged container forbids privilege escalation" \
	"$(q "[$ALL | select(.securityContext.privileged == true and
		.securityContext.allowPrivilegeEscalation == false) | .name] | join(\" \")")" ""
is "every volume mount names a volume of the pod" \
	"$(q "$POD | (.volumes | map(.name)) as \$v |
		[(.initContainers[]?, .containers[]) | .volumeMounts[]? | select(.name as \$n | \$v | index(\$n) | not) |
		.name] | join(\" \")")" ""

ANN="$DS | .spec.template.metadata.annotations // {}"
is "AppArmor: the agent unconfined" \
	"$(q "$ANN | .[\"container.apparmor.security.beta.kubernetes.io/mptcpify\"]")" unconfined
is "and the init container" \
	"$(q "$ANN | .[\"container.apparmor.security.beta.kubernetes.io/mount-bpffs\"]")" unconfined
is "each AppArmor annotation names a container of the pod" \
	"$(q "[$POD | .initContainers[]?, .containers[] | .name] as \$c | [$ANN | keys[] |
		select(startswith(\"container.apparmor.security.beta.kubernetes.io/\")) | ltrimstr(\"container.apparmor.security.beta.kubernetes.io/\") |
		select(. as \$n | \$c | index(\$n) | not)] | join(\" \")")" ""
is "no service-account token in the pod" "$(q "$POD | .automountServiceAccountToken")" false

metrics_port=$(q "$AGENT | .args[] | select(startswith(\"--metrics=\")) | sub(\".*:\"; \"\")")
probe() { # PROBE: its path and the number of the port it asks
	q "$AGENT | (.ports | map({(.name): .containerPort}) | add) as \$p | .$1.httpGet |
		\"\(.path) \(\$p[.port] // .port)\""
}
is "a startup probe: /healthz on the metrics port" "$(probe startupProbe)" "/healthz $metrics_port"
is "as the liveness and readiness probes" "$(probe livenessProbe),$(probe readinessProbe)" \
	"/healthz $metrics_port,/healthz $metrics_port"
is "each probe gives the daemon's loop more than the default second" \
	"$(q "[$AGENT | (.startupProbe, .livenessProbe, .readinessProbe) | .timeoutSeconds // 1 | select(. < 2)] | length")" 0
budget=$(q "$AGENT | .startupProbe | (.periodSeconds // 10) * (.failureThreshold // 3)")
check "which gives the first pass at least 30 s ($budget s)" test "$budget" -ge 30
is "every container requests CPU and memory and has a memory limit" \
	"$(q "[$ALL | select(.resources.requests.cpu == null or .resources.requests.memory == null or
		.resources.limits.memory == null) | .name] | join(\" \")")" ""

# What the agent keeps: tests/host/80-deploy.sh runs it with these.
is "the agent's environment" "$(q "[$AGENT | .env[] | \"\(.name)=\(.value)\"] | join(\" \")")" \
	"MPTCPIFY_CGROUP2=/host/cgroup"
is "its mounts" "$(q "[$AGENT | .volumeMounts[] | \"\(.name):\(.mountPath):\(.readOnly // false)\"] |
	join(\" \")")" \
	"config:/etc/mptcpify:true cgroup:/host/cgroup:true bpffs:/sys/fs/bpf:false pods:/var/log/pods:true containers:/var/log/containers:true"
is "its capabilities: ALL dropped, four added" \
	"$(q "$AGENT | .securityContext.capabilities | \"\(.drop | join(\",\")) \(.add | join(\",\"))\"")" \
	"ALL BPF,PERFMON,NET_ADMIN,DAC_READ_SEARCH"
is "a read-only root, seccomp unconfined, not privileged" \
	"$(q "$AGENT | .securityContext | \"\(.readOnlyRootFilesystem) \(.seccompProfile.type) \(.privileged // false)\"")" \
	"true Unconfined false"

# The configuration: a ConfigMap generated from base/config.yaml, whose
# name carries a hash of it, the one the DaemonSet mounts: a change to it
# is a change to the pod template, which rolls the agents.
CM='.[] | select(.kind == "ConfigMap" and (.metadata.name | startswith("mptcpify-")))'
cm=$(q "$CM | .metadata.name")
check "the ConfigMap's name carries its content's hash ($cm)" grep -qxE 'mptcpify-[a-z0-9]{10}' <<<"$cm"
is "the agent's config volume is it" "$(q "$POD | .volumes[] | select(.name == \"config\") | .configMap.name")" "$cm"
is "its config.yaml is base/config.yaml" "$(q "$CM | .data[\"config.yaml\"]")" "$(cat "$KDIR/base/config.yaml")"
is "which selects nothing, like the Debian package's" \
	"$(y2j "$KDIR/base/config.yaml" | jq -c '.selectors')" "[]"
sed 's/^selectors: \[\]$/selectors: [{name: x, cgroup: x}]/' "$KDIR/base/config.yaml" >"$WORK/config.yaml"
overlay edited "resources: [$rel/base]
configMapGenerator: [{name: mptcpify, behavior: replace, files: [config.yaml]}]"
cp "$WORK/config.yaml" "$WORK/edited/"
"$KUBECTL" kustomize "$WORK/edited" | y2j /dev/stdin | jq -s . >"$WORK/edited.json"
edited=$(jq -r '.[] | select(.kind == "DaemonSet") | .spec.template.spec.volumes[] | select(.name == "config") | .configMap.name' "$WORK/edited.json")
check "an edited configuration is another ConfigMap, in the pod template ($edited)" \
	test -n "$edited" -a "$edited" != "$cm"
is "tests/k8s/example's is the README's example (deploy/examples/config.yaml)" \
	"$(qv tests/k8s/example '.[] | select(.kind == "ConfigMap") | .data["config.yaml"]')" \
	"$(cat "$ROOT/deploy/examples/config.yaml")"

# The uninstall: the same DaemonSet (a rolling update replaces the agents,
# not a second set of pods beside them), its agent running `mptcpify
# unload`, Ready when no pin is left, no daemon's probes; every node at once.
for v in deploy/kubernetes/uninstall tests/k8s/example-uninstall; do
	U="$DS | select(.metadata.name == \"mptcpify\" and .metadata.namespace == \"mptcpify\")"
	UA="$U | .spec.template.spec.containers[] | select(.name == \"mptcpify\")"
	is "$v: the DaemonSet mptcpify/mptcpify, its selector the agents'" \
		"$(qv "$v" "[$U | .spec.selector] | tojson")" "$(q "[$DS | .spec.selector] | tojson")"
	is "$v: its agent runs mptcpify unload, then waits" \
		"$(qv "$v" "$UA | [(.command | length), (.command[2] | test(\"^/usr/sbin/mptcpify unload \\\\|\\\\| exit;\")), .args] | tojson")" \
		'[3,true,null]'
	is "$v: Ready when the node has no pins; no daemon probes" \
		"$(qv "$v" "$UA | [.readinessProbe.exec.command[-1], .livenessProbe, .startupProbe] | tojson")" \
		'["! test -e /sys/fs/bpf/mptcpify",null,null]'
	is "$v: every node at once" "$(qv "$v" "$U | .spec.updateStrategy.rollingUpdate.maxUnavailable")" 100%
	is "$v: the agent's mounts and privileges otherwise" \
		"$(qv "$v" "$UA | del(.command, .args, .readinessProbe) | tojson")" \
		"$(q "$AGENT | del(.command, .args, .readinessProbe, .livenessProbe, .startupProbe) | tojson")"
done

# The Prometheus Operator: a PodMonitor of the agents' metrics port, and
# the PrometheusRule, which is the rules file's groups (make prometheusrule).
PO="base + components/prometheus-operator"
PM='.[] | select(.kind == "PodMonitor")'
is "$PO: a PodMonitor in namespace mptcpify that selects the agents' pods" \
	"$(qv "$PO" "[$PM | .metadata.namespace, (.spec.selector.matchLabels | tojson)] | join(\" \")")" \
	"mptcpify $(q "$DS | .spec.template.metadata.labels | tojson")"
is "its endpoint is the agent's metrics port, /metrics" \
	"$(qv "$PO" "$PM | .spec.podMetricsEndpoints[] | \"\(.port) \(.path)\"")" \
	"$(q "$AGENT | .ports[] | select(.containerPort == $metrics_port) | .name") /metrics"
is "and the agents are scraped once: no prometheus.io/scrape beside it" \
	"$(qv "$PO" "$DS | .spec.template.metadata.annotations[\"prometheus.io/scrape\"]")" false
PR=$KDIR/components/prometheus-operator/prometheusrule.yaml
if [ "$(y2j "$PR" | jq -S -c .spec.groups)" = "$(y2j "$RULES" | jq -S -c .groups)" ]; then
	ok "the PrometheusRule's groups are deploy/prometheus/mptcpify-rules.yaml's"
else
	not_ok "the PrometheusRule's groups are deploy/prometheus/mptcpify-rules.yaml's" \
		"run make prometheusrule after changing the rules"
fi
qv "$PO" '.[] | select(.kind == "PrometheusRule") | {groups: .spec.groups}' >"$WORK/rendered-rules.yaml"
if command -v promtool >/dev/null; then
	check "promtool check rules: the rendered PrometheusRule's" promtool check rules "$WORK/rendered-rules.yaml"
else
	skip "promtool check rules: the rendered PrometheusRule's" "no promtool (Debian's prometheus package)"
fi

# Runbook links: one base for every alert, set in base/kustomization.yaml
# for the PrometheusRule (an overlay changes it), then a heading of the
# README's Troubleshooting section.
alerts=$(y2j "$RULES" | jq -r '.groups[].rules[] | select(.alert) | "\(.alert) \(.annotations.runbook_url // "")"')
is "every alert has a runbook_url" "$(awk '$2 == "" { print $1 }' <<<"$alerts")" ""
base=$(y2j "$KDIR/base/kustomization.yaml" | jq -r '.configMapGenerator[] | select(.name == "mptcpify-runbooks") |
	.literals[] | select(startswith("base=")) | ltrimstr("base=")')
is "all of one base, base/kustomization.yaml's ($base)" \
	"$(awk '{ sub(/#.*/, "", $2); print $2 }' <<<"$alerts" | sort -u)" "$base"
is "the rendered PrometheusRule's too" \
	"$(jq -r '.groups[].rules[].annotations.runbook_url // empty | sub("#.*"; "")' "$WORK/rendered-rules.yaml" | sort -u)" "$base"
overlay runbooks "resources: [$rel/base]
components: [$rel/components/prometheus-operator]
configMapGenerator:
  - {name: mptcpify-runbooks, behavior: merge, literals: [base=https://docs/mptcpify.md]}"
is "an overlay sets another base, in one place" \
	"$("$KUBECTL" kustomize "$WORK/runbooks" | y2j /dev/stdin | jq -r 'select(.kind == "PrometheusRule") |
		.spec.groups[].rules[].annotations.runbook_url // empty | sub("#.*"; "")' | sort -u)" https://docs/mptcpify.md
is "and the local configuration is never applied" \
	"$(qv "$PO" '[.[] | select(.metadata.name == "mptcpify-runbooks")] | length')" 0
# GitHub's anchors of the README's "### " headings under "## Troubleshooting".
anchors=$(awk '/^## / { in_ts = ($0 == "## Troubleshooting") } in_ts && /^### / { sub(/^### /, ""); print }' \
	"$ROOT/README.md" | tr '[:upper:]' '[:lower:]' | sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g')
missing=$(awk '{ sub(/.*#/, "", $2); print $1 " #" $2 }' <<<"$alerts" | while read -r a frag; do
	grep -qxF "${frag#\#}" <<<"$anchors" || echo "$a $frag"
done)
# shellcheck disable=SC2086 # one line
is "each runbook_url's anchor is a heading of README.md's Troubleshooting" "$missing" "" ||
	diag "README.md's Troubleshooting anchors: ${anchors:-none, no \"## Troubleshooting\" with \"### \" headings}" \
		"the alerts' (above) come from deploy/prometheus/mptcpify-rules.yaml"
tap_done
