#!/usr/bin/python3
"""podman-args.py FILE: the DaemonSet of rendered manifests as podman arguments.

FILE (- for stdin) is what `kubectl kustomize` renders for an overlay:
every document as it would be applied, the image and the generated
ConfigMap's name already set.

Prints a bash file the Debian guest sources to run the image exactly as the
manifest says: for the init container and the agent, their command,
arguments, environment, mounts (with their propagation), capabilities,
read-only root, seccomp and AppArmor settings, and memory limit; the
agent's readiness command, if its probe runs one; and a function that
writes the ConfigMaps the pod mounts. A setting it does not
know how to give podman is an error, not something left out: the guest
runs what the manifest says or the test fails.
"""
import json
import shlex
import sys

import yaml

# Fields of a container that configure Kubernetes itself (kubelet probes,
# scheduling, the image's name and ports) rather than the runtime.
NOT_RUNTIME = {"name", "image", "imagePullPolicy", "ports", "livenessProbe",
               "readinessProbe", "startupProbe", "terminationMessagePolicy",
               "terminationMessagePath"}
PROPAGATION = {None: "", "None": "", "HostToContainer": "rslave",
               "Bidirectional": "rshared"}
APPARMOR = "container.apparmor.security.beta.kubernetes.io/"


def fail(msg):
    sys.exit(f"podman-args: {msg}")


def load(path):
    if path == "-":
        return [d for d in yaml.safe_load_all(sys.stdin) if d and "kind" in d]
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d and "kind" in d]


def memory(limit):
    units = {"Ki": "k", "Mi": "m", "Gi": "g"}
    for suffix, unit in units.items():
        if str(limit).endswith(suffix):
            return str(limit)[: -len(suffix)] + unit
    return str(limit)


def security(ctx, annotations, name):
    out = []
    for key, value in (ctx or {}).items():
        if key == "privileged" and value:
            out.append("--privileged")
        elif key == "runAsUser":
            out.append(f"--user={value}")
        elif key == "readOnlyRootFilesystem" and value:
            # Kubernetes gives no tmpfs on /tmp or /run: neither may podman.
            out += ["--read-only", "--read-only-tmpfs=false"]
        elif key == "allowPrivilegeEscalation" and not value:
            out.append("--security-opt=no-new-privileges")
        elif key == "capabilities":
            out += [f"--cap-drop={c.lower()}" for c in value.get("drop", [])]
            out += [f"--cap-add=CAP_{c}" for c in value.get("add", [])]
        elif key == "seccompProfile":
            if value["type"] == "Unconfined":
                out.append("--security-opt=seccomp=unconfined")
            elif value["type"] != "RuntimeDefault":
                fail(f"seccomp profile {value} of {name}")
        elif key == "appArmorProfile":
            if value["type"] == "Unconfined":
                out.append("--security-opt=apparmor=unconfined")
        else:
            fail(f"securityContext.{key} of {name}: not mapped to podman")
    if annotations.get(APPARMOR + name) == "unconfined":
        out.append("--security-opt=apparmor=unconfined")
    return out


def container_args(c, volumes, annotations, configmaps_var):
    name = c["name"]
    out = [f"--name={name}"]
    for key in c:
        if key in NOT_RUNTIME or key in {"command", "args", "env", "volumeMounts",
                                         "securityContext", "resources"}:
            continue
        fail(f"{key} of container {name}: not mapped to podman")
    out += security(c.get("securityContext"), annotations, name)
    for e in c.get("env", []):
        out.append(f"--env={e['name']}={e['value']}")
    limit = c.get("resources", {}).get("limits", {}).get("memory")
    if limit:
        out.append(f"--memory={memory(limit)}")
    for m in c.get("volumeMounts", []):
        vol = volumes[m["name"]]
        opts = ["ro"] if m.get("readOnly") else []
        if PROPAGATION[m.get("mountPropagation")]:
            opts.append(PROPAGATION[m.get("mountPropagation")])
        if "hostPath" in vol:
            src = vol["hostPath"]["path"]
        elif "configMap" in vol:
            src = f"${{{configmaps_var}}}/{vol['configMap']['name']}"
        else:
            fail(f"volume {m['name']}: only hostPath and configMap are mapped")
        spec = f"{src}:{m['mountPath']}" + (":" + ",".join(opts) if opts else "")
        out.append(f"--volume={spec}")
    if "command" in c:
        out.append("--entrypoint=" + json.dumps(c["command"]))
    return out, c.get("args", [])


def bash_array(words):
    # ${DS_CONFIGMAPS} stays a variable: the guest says where they go.
    quoted = []
    for w in words:
        q = shlex.quote(w)
        quoted.append(q.replace("${DS_CONFIGMAPS}", "'\"${DS_CONFIGMAPS}\"'"))
    return "(" + " ".join(quoted) + ")"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: podman-args.py FILE")
    docs = load(sys.argv[1])
    ds = [d for d in docs if d["kind"] == "DaemonSet"]
    if len(ds) != 1:
        fail(f"{len(ds)} DaemonSets in {sys.argv[1]}, want 1")
    pod = ds[0]["spec"]["template"]
    spec = pod["spec"]
    annotations = pod.get("metadata", {}).get("annotations", {})
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    print(f"# Generated from {sys.argv[1]} by tests/image/podman-args.py.")
    print(f"DS_NETWORK={'host' if spec.get('hostNetwork') else 'pod'}")
    dirs = [v["hostPath"]["path"] for v in volumes.values()
            if v.get("hostPath", {}).get("type") == "DirectoryOrCreate"]
    print(f"DS_MKDIR={bash_array(dirs)}")
    for role, containers in (("INIT", spec.get("initContainers", [])),
                             ("AGENT", spec["containers"])):
        if len(containers) != 1:
            fail(f"{len(containers)} {role.lower()} containers, want 1")
        c = containers[0]
        args, cargs = container_args(c, volumes, annotations, "DS_CONFIGMAPS")
        print(f"DS_{role}_IMAGE={shlex.quote(c['image'])}")
        print(f"DS_{role}={bash_array(args)}")
        print(f"DS_{role}_ARGS={bash_array(cargs)}")
    # The agent's readiness as the kubelet asks it, where it is a command
    # run in the container (podman exec); empty for an HTTP probe.
    ready = spec["containers"][0].get("readinessProbe", {}).get("exec", {})
    print(f"DS_AGENT_READY={bash_array(ready.get('command', []))}")
    # The ConfigMaps the pod mounts, as kubelet writes them: a file a key.
    print("ds_write_configmaps() { # DIR")
    used = {v["configMap"]["name"] for v in volumes.values() if "configMap" in v}
    for cm in (d for d in docs if d["kind"] == "ConfigMap"):
        if cm["metadata"]["name"] not in used:
            continue
        d = f'"$1"/{shlex.quote(cm["metadata"]["name"])}'
        print(f"\tmkdir -p {d}")
        for key, value in cm.get("data", {}).items():
            print(f"\tprintf '%s' {shlex.quote(value)} >{d}/{shlex.quote(key)}")
    print("}")


main()
