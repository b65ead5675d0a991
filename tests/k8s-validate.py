#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# k8s-validate [FILE|-]...: check every document of Kubernetes manifests
# against the API schema, strictly: the kind exists in its apiVersion, no
# field the schema lacks, every value of its type, every required field,
# recursively through nested objects, lists and maps. Errors go to stderr,
# one line each, with the document and the field's path; exit 1 on any.
#
# The schema is Debian's python3-kubernetes: its models are generated from
# the Kubernetes OpenAPI document (openapi_types, attribute_map, and setters
# that refuse None for a required field), so nothing is typed here again
# but what that document leaves as free text: enumerations, quantities and
# int-or-string fields, which the API server checks itself.
import re
import sys

import yaml

try:
    from kubernetes import client
    from kubernetes.client import models
except ImportError:
    sys.exit("k8s-validate: needs python3-kubernetes")

# Fields typed `object` in the schema that hold an int or a string.
INT_OR_STRING = {
    ("V1HTTPGetAction", "port"),
    ("V1TCPSocketAction", "port"),
    ("V1ServicePort", "target_port"),
    ("V1NetworkPolicyPort", "port"),
    ("V1PodDisruptionBudgetSpec", "max_unavailable"),
    ("V1PodDisruptionBudgetSpec", "min_available"),
    ("V1RollingUpdateDaemonSet", "max_surge"),
    ("V1RollingUpdateDaemonSet", "max_unavailable"),
    ("V1RollingUpdateDeployment", "max_surge"),
    ("V1RollingUpdateDeployment", "max_unavailable"),
}

# Fields typed string (or map of strings) that hold a resource.Quantity:
# the API takes a number or a string in its syntax.
QUANTITY = {
    ("V1ResourceRequirements", "limits"),
    ("V1ResourceRequirements", "requests"),
    ("V1EmptyDirVolumeSource", "size_limit"),
}
QUANTITY_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
                         r"(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")

# The enumerations of the fields these manifests may use (the API
# reference's "Possible enum values"); the 1.22 schema has none.
ENUMS = {
    ("V1VolumeMount", "mount_propagation"): {"None", "HostToContainer", "Bidirectional"},
    ("V1HostPathVolumeSource", "type"): {"", "DirectoryOrCreate", "Directory", "FileOrCreate",
                                         "File", "Socket", "CharDevice", "BlockDevice"},
    ("V1SeccompProfile", "type"): {"RuntimeDefault", "Unconfined", "Localhost"},
    ("V1Container", "image_pull_policy"): {"Always", "IfNotPresent", "Never"},
    ("V1Container", "termination_message_policy"): {"File", "FallbackToLogsOnError"},
    ("V1ContainerPort", "protocol"): {"TCP", "UDP", "SCTP"},
    ("V1NetworkPolicyPort", "protocol"): {"TCP", "UDP", "SCTP"},
    ("V1HTTPGetAction", "scheme"): {"HTTP", "HTTPS"},
    ("V1DaemonSetUpdateStrategy", "type"): {"RollingUpdate", "OnDelete"},
    ("V1PodSpec", "restart_policy"): {"Always", "OnFailure", "Never"},
    ("V1PodSpec", "dns_policy"): {"ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"},
    ("V1Toleration", "operator"): {"Exists", "Equal"},
    ("V1Toleration", "effect"): {"", "NoSchedule", "PreferNoSchedule", "NoExecute"},
    ("V1NetworkPolicySpec", "policy_types"): {"Ingress", "Egress"},
}
# Annotations whose values the API server validates.
APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_RE = re.compile(r"^(runtime/default|unconfined|localhost/.+)$")

_required = {}


def required_fields(cls):
    """The attributes whose generated setter refuses None: the required."""
    if cls not in _required:
        conf = client.Configuration()
        conf.client_side_validation = True
        probe = cls.__new__(cls)
        probe.local_vars_configuration = conf
        req = set()
        for attr in cls.openapi_types:
            try:
                setattr(probe, attr, None)
            except ValueError:
                req.add(attr)
        _required[cls] = req
    return _required[cls]


def snake(kind):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def resolve(api_version, kind):
    """The model class of KIND in API_VERSION; None if not served there."""
    group, _, version = api_version.rpartition("/")
    if group.endswith(".k8s.io"):
        group = group[: -len(".k8s.io")]
    prefix = "".join(p.capitalize() for p in group.split(".")) if group else "Core"
    api = getattr(client, prefix + version.capitalize() + "Api", None)
    if api is None or not any(hasattr(api, "read_" + scope + snake(kind))
                              for scope in ("namespaced_", "")):
        return None
    for name in (version.capitalize() + kind, prefix + version.capitalize() + kind):
        cls = getattr(models, name, None)
        if cls is not None and hasattr(cls, "openapi_types"):
            return cls
    return None


class Checker:
    def __init__(self, where):
        self.where = where
        self.errors = []

    def err(self, path, msg):
        self.errors.append(f"{self.where}: {path or '.'}: {msg}")

    def value(self, path, typ, v, owner=None):
        """Check V against the schema type string TYP."""
        if typ.startswith("list["):
            if not isinstance(v, list):
                return self.err(path, f"must be a list, not {kind_of(v)}")
            for i, item in enumerate(v):
                self.value(f"{path}[{i}]", typ[5:-1], item, owner)
        elif typ.startswith("dict("):
            if not isinstance(v, dict):
                return self.err(path, f"must be a map, not {kind_of(v)}")
            inner = typ[len("dict(str, "):-1]
            for k, item in v.items():
                if not isinstance(k, str):
                    self.err(path, f"key {k!r} must be a string")
                self.value(f"{path}.{k}", inner, item, owner)
        elif owner in QUANTITY and typ == "str":
            if isinstance(v, bool) or not isinstance(v, (str, int, float)) \
                    or not QUANTITY_RE.match(str(v)):
                self.err(path, f"{v!r} is not a quantity")
        elif owner in INT_OR_STRING:
            if isinstance(v, bool) or not isinstance(v, (str, int)):
                self.err(path, f"must be an integer or a string, not {kind_of(v)}")
        elif typ == "object":
            pass  # free-form JSON
        elif typ in ("str", "datetime", "date"):
            if not isinstance(v, str):
                self.err(path, f"must be a string, not {kind_of(v)}")
            elif owner in ENUMS and v not in ENUMS[owner]:
                self.err(path, f"{v!r} is not one of {sorted(ENUMS[owner])}")
        elif typ == "int":
            if isinstance(v, bool) or not isinstance(v, int):
                self.err(path, f"must be an integer, not {kind_of(v)}")
        elif typ == "float":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                self.err(path, f"must be a number, not {kind_of(v)}")
        elif typ == "bool":
            if not isinstance(v, bool):
                self.err(path, f"must be a boolean, not {kind_of(v)}")
        else:
            cls = getattr(models, typ, None)
            if cls is None or not hasattr(cls, "openapi_types"):
                return self.err(path, f"schema type {typ} unknown to this validator")
            self.model(path, cls, v)

    def model(self, path, cls, obj):
        if not isinstance(obj, dict):
            return self.err(path, f"must be an object ({cls.__name__}), not {kind_of(obj)}")
        by_json = {j: a for a, j in cls.attribute_map.items()}
        for key, v in obj.items():
            attr = by_json.get(key)
            sub = f"{path}.{key}" if path else str(key)
            if attr is None:
                self.err(sub, f"unknown field in {cls.__name__}")
            elif v is None:
                if attr in required_fields(cls):
                    self.err(sub, "required, and null")
            else:
                self.value(sub, cls.openapi_types[attr], v, (cls.__name__, attr))
        for attr in sorted(required_fields(cls)):
            if cls.attribute_map[attr] not in obj:
                sub = f"{path}.{cls.attribute_map[attr]}" if path else cls.attribute_map[attr]
                self.err(sub, f"required field of {cls.__name__} missing")
        if cls is models.V1ObjectMeta:
            for k, v in (obj.get("annotations") or {}).items():
                if isinstance(k, str) and k.startswith(APPARMOR_PREFIX) and \
                        not (isinstance(v, str) and APPARMOR_RE.match(v)):
                    self.err(f"{path}.annotations.{k}", f"{v!r} is not an AppArmor profile")


def kind_of(v):
    return {bool: "boolean", int: "integer", float: "number", str: "string",
            list: "list", dict: "map"}.get(type(v), type(v).__name__)


class StrictLoader(yaml.SafeLoader):
    """YAML as the API server reads it: a key twice is an error."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def check_document(where, doc):
    chk = Checker(where)
    if not isinstance(doc, dict):
        chk.err("", f"a document must be a map, not {kind_of(doc)}")
        return chk.errors, None
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        chk.err("", "apiVersion and kind must be strings")
        return chk.errors, None
    cls = resolve(api_version, kind)
    if cls is None:
        chk.err("", f"no kind {kind} in apiVersion {api_version}")
        return chk.errors, None
    chk.model("", cls, doc)
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        chk.err("metadata.name", "required: the API server names every object")
    name = meta.get("name") if isinstance(meta, dict) else None
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    return chk.errors, f"{api_version} {kind} {ns + '/' if ns else ''}{name}"


def main(argv):
    errors, count = [], 0
    for path in argv or ["-"]:
        try:
            if path == "-":
                docs = list(yaml.load_all(sys.stdin, Loader=StrictLoader))
            else:
                with open(path) as f:
                    docs = list(yaml.load_all(f, Loader=StrictLoader))
        except (OSError, yaml.YAMLError) as e:
            errors.append(f"{path}: {e}".replace("\n", " "))
            continue
        for i, doc in enumerate(docs):
            if doc is None:
                continue
            errs, what = check_document(f"{path}: document {i + 1}", doc)
            errors += errs
            count += 1
            if not errs:
                print(f"valid: {what}")
    for e in errors:
        print(e, file=sys.stderr)
    if not count and not errors:
        print(f"{' '.join(argv or ['-'])}: no document", file=sys.stderr)
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
