#!/bin/bash
# deploy/kubernetes as a cluster would take it: `kubectl kustomize` renders
# every file, each document is valid against the Kubernetes API schema
# (tests/k8s-validate.py, Debian's python3-kubernetes), the validator
# refuses what the API server would, and the DaemonSet has what a BPF agent
# needs to run for real: bpffs mounted on the host and propagated, no
# AppArmor in the way, no service-account token, a startup probe, resources
# and a namespace that admits it. What the manifests do on a host is
# tests/host/80-deploy.sh's.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm/tap.sh
. "$ROOT/tests/vm/tap.sh"
KDIR=$ROOT/deploy/kubernetes
VALIDATE=$ROOT/tests/k8s-validate.py
KUBECTL=${KUBECTL:-kubectl}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

command -v jq >/dev/null || {
	echo "1..0 # SKIP needs jq"
	exit 0
}

# The manifests, rendered as `kubectl apply -k` would apply them; without
# kubectl, the files kustomization.yaml lists, as they are.
resources=$("$ROOT/tests/yaml2json" "$KDIR/kustomization.yaml" | jq -r '.resources[]')
if command -v "$KUBECTL" >/dev/null; then
	check "kubectl kustomize deploy/kubernetes renders them" \
		sh -c "'$KUBECTL' kustomize '$KDIR' >'$WORK/rendered.yaml'"
else
	skip "kubectl kustomize deploy/kubernetes renders them" \
		"no $KUBECTL (Debian's kubernetes-client)"
	for f in $resources; do
		cat "$KDIR/$f"
		echo ---
	done >"$WORK/rendered.yaml"
fi
"$ROOT/tests/yaml2json" "$WORK/rendered.yaml" | jq -s . >"$WORK/rendered.json"
q() { jq -r "$@" "$WORK/rendered.json"; }

# Every file but kustomization.yaml is one of its resources, all rendered.
files=$(for f in "$KDIR"/*.yaml; do
	[ "${f##*/}" = kustomization.yaml ] || echo "${f##*/}"
done | sort | tr '\n' ' ')
is "kustomization.yaml lists every manifest" "$(echo "$resources" | sort | tr '\n' ' ')" "$files"
want=0
for f in $files; do
	want=$((want + $("$ROOT/tests/yaml2json" "$KDIR/$f" | wc -l)))
done
is "and renders each of their $want documents" "$(q length)" "$want"

if ! /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
	skip "every rendered document is valid against the API schema" "no python3-kubernetes"
	skip "and so is each file as it is" "no python3-kubernetes"
	skip "the validator refuses invalid manifests" "no python3-kubernetes"
else
	check "every rendered document is valid against the API schema" \
		"$VALIDATE" "$WORK/rendered.yaml"
	# Other tests read the files themselves, without kustomize.
	# shellcheck disable=SC2086 # file names, no blanks
	check "and so is each file as it is" sh -c "cd '$KDIR' && '$VALIDATE' $files"

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

is "one DaemonSet, whose container is mptcpify:0.2.0" \
	"$(q "[$DS] | length"):$(q "$AGENT | .image")" "1:mptcpify:0.2.0"
is "its init container: same image, privileged" \
	"$(q "[$INIT | \"\(.name) \(.image) \(.securityContext.privileged)\"] | join(\",\")")" \
	"mount-bpffs mptcpify:0.2.0 true"
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
tap_done
