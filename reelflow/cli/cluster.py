"""`reelflow cluster status|scale`: the RayService the Helm chart installed, through the official
`kubernetes` client.

status: the RayService's serve status and conditions, each stage's Serve status and configured
replicas, and the GPUs its pods request. scale: rewrites one stage's entry in
`spec.serveConfigV2` (num_replicas when --min == --max, else autoscaling bounds) and sends it as
a JSON patch guarded by the object's resourceVersion, so a concurrent edit is refused rather than
overwritten. Serve applies a changed deployment entry without restarting the application; the
application's args keep the Helm values (a later `helm upgrade` sets them again).

Both work offline on a manifest too (`--file`): the output of `helm template` or
`kubectl get rayservice -o yaml`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from reelflow.services.config import STAGE_NAMES, DeploymentConfig, check_stage_name

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayservices"
APP_NAME = "reelflow"
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class StageStatus:
    name: str
    status: str  # Serve's deployment status (HEALTHY, UPDATING, UNHEALTHY, ...); "" if unknown
    replicas: str  # "2" or "1..4" (autoscaling), as configured in serveConfigV2
    message: str = ""


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str = ""
    message: str = ""


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    namespace: str
    service_status: str  # RayService status.serviceStatus ("Running", ...) or ""
    app_status: str  # the reelflow application's Serve status ("RUNNING", ...) or ""
    conditions: tuple[Condition, ...]
    stages: tuple[StageStatus, ...]
    pods_ready: int
    pods_total: int
    gpus_requested: int  # by the cluster's running pods


# ---- pure functions over manifests (tested against the CRD schema) -------------------------


def _app(serve_config: dict[str, Any]) -> dict[str, Any]:
    apps = [a for a in serve_config.get("applications", []) if a.get("name") == APP_NAME]
    if len(apps) != 1:
        raise ValueError(f"serveConfigV2 has no application named {APP_NAME!r}")
    return apps[0]


def _replicas(entry: dict[str, Any]) -> str:
    auto = entry.get("autoscaling_config")
    if auto:
        return f"{auto.get('min_replicas', 1)}..{auto.get('max_replicas', 1)}"
    return str(entry.get("num_replicas", 1))


def scaled_serve_config(serve_config_v2: str, stage: str, low: int, high: int) -> str:
    """serveConfigV2 with `stage` set to `low..high` replicas (a fixed count when equal)."""
    check_stage_name(stage, "cluster scale")
    if not (0 <= low <= high and high >= 1):
        raise ValueError("need 0 <= --min <= --max and --max >= 1")
    if low == high == 0:
        raise ValueError("--max must be at least 1")
    config = yaml.safe_load(serve_config_v2)
    app = _app(config)
    entries = app.setdefault("deployments", [])
    entry = next((d for d in entries if d.get("name") == stage), None)
    if entry is None:
        entry = {"name": stage}
        entries.append(entry)
    if low == high:
        entry.pop("autoscaling_config", None)
        entry["num_replicas"] = high
    else:
        entry.pop("num_replicas", None)
        auto = dict(entry.get("autoscaling_config") or {})
        auto.update(min_replicas=low, max_replicas=high)
        if "initial_replicas" in auto:
            auto["initial_replicas"] = min(max(auto["initial_replicas"], low), high)
        entry["autoscaling_config"] = auto
    # The code's own checks: the same ones `reelflow serve --config` applies.
    options = {k: v for k, v in entry.items() if k != "name"}
    if "autoscaling_config" in options:
        options.setdefault("num_replicas", None)
    DeploymentConfig(name=stage, **options)
    return yaml.safe_dump(config, sort_keys=False)


def scale_patch(rayservice: dict[str, Any], stage: str, low: int, high: int) -> list[dict]:
    """A JSON patch (RFC 6902) for the RayService: replace serveConfigV2, but only if the
    object is still the version we read."""
    new = scaled_serve_config(rayservice["spec"]["serveConfigV2"], stage, low, high)
    patch: list[dict[str, Any]] = []
    version = rayservice.get("metadata", {}).get("resourceVersion")
    if version:
        patch.append({"op": "test", "path": "/metadata/resourceVersion", "value": version})
    patch.append({"op": "replace", "path": "/spec/serveConfigV2", "value": new})
    return patch


def apply_patch(obj: dict[str, Any], patch: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply the `test`/`replace` operations scale_patch makes (what the API server does)."""
    import copy

    result = copy.deepcopy(obj)
    for op in patch:
        *parents, leaf = op["path"].strip("/").split("/")
        target = result
        for key in parents:
            target = target[key]
        if op["op"] == "test":
            if target.get(leaf) != op["value"]:
                raise ValueError(f"{op['path']} changed: the object was modified meanwhile")
        elif op["op"] == "replace":
            if leaf not in target:
                raise ValueError(f"{op['path']} does not exist")
            target[leaf] = op["value"]
        else:
            raise ValueError(f"unsupported op {op['op']}")
    return result


def _gpus(pod: dict[str, Any]) -> int:
    total = 0
    for container in pod.get("spec", {}).get("containers", []):
        limits = (container.get("resources") or {}).get("limits") or {}
        total += sum(int(limits.get(name, 0)) for name in GPU_RESOURCES)
    return total


def _ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def summarize(rayservice: dict[str, Any], pods: list[dict[str, Any]]) -> ClusterStatus:
    """What `status` prints, from the RayService and its cluster's pods (as plain dicts)."""
    status = rayservice.get("status") or {}
    active = status.get("activeServiceStatus") or {}
    app_status = (active.get("applicationStatuses") or {}).get(APP_NAME) or {}
    deployment_status = app_status.get("serveDeploymentStatuses") or {}
    configured = {
        d["name"]: _replicas(d)
        for d in _app(yaml.safe_load(rayservice["spec"]["serveConfigV2"])).get("deployments", [])
    }
    stages = tuple(
        StageStatus(
            name=name,
            status=(deployment_status.get(name) or {}).get("status", ""),
            replicas=configured.get(name, "?"),
            message=(deployment_status.get(name) or {}).get("message", ""),
        )
        for name in STAGE_NAMES  # the served family's: those configured or reporting
        if name in configured or name in deployment_status
    )
    conditions = tuple(
        Condition(c.get("type", ""), c.get("status", ""), c.get("reason", ""), c.get("message", ""))
        for c in status.get("conditions") or []
    )
    running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
    return ClusterStatus(
        name=rayservice["metadata"]["name"],
        namespace=rayservice["metadata"].get("namespace", ""),
        service_status=status.get("serviceStatus", ""),
        app_status=app_status.get("status", ""),
        conditions=conditions,
        stages=stages,
        pods_ready=sum(_ready(p) for p in pods),
        pods_total=len(pods),
        gpus_requested=sum(_gpus(p) for p in running),
    )


def format_status(status: ClusterStatus) -> str:
    lines = [
        f"RayService {status.namespace}/{status.name}: {status.service_status or 'unknown'}; "
        f"application {APP_NAME}: {status.app_status or 'unknown'}",
        f"pods ready {status.pods_ready}/{status.pods_total}; "
        f"GPUs requested by running pods: {status.gpus_requested}",
    ]
    for c in status.conditions:
        lines.append(f"  condition {c.type}={c.status} {c.reason} {c.message}".rstrip())
    lines.append(f"  {'stage':<16} {'replicas':<9} status")
    for s in status.stages:
        message = f"  {s.message}" if s.message else ""
        lines.append(f"  {s.name:<16} {s.replicas:<9} {s.status or '-'}{message}")
    return "\n".join(lines)


# ---- the commands ---------------------------------------------------------------------------


def _read_rayservice(path: Path) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    found = [d for d in docs if d.get("kind") == "RayService"]
    if len(found) != 1:
        raise ValueError(f"{path}: expected exactly one RayService, found {len(found)}")
    return found[0]


def _clients(args: argparse.Namespace):
    from kubernetes import client, config

    try:
        config.load_kube_config(config_file=args.kubeconfig, context=args.context)
    except config.ConfigException:
        config.load_incluster_config()  # running inside the cluster
    return client.CustomObjectsApi(), client.CoreV1Api(), client.ApiClient()


def _namespace(args: argparse.Namespace) -> str:
    if args.namespace:
        return args.namespace
    from kubernetes import config

    try:
        _, context = config.list_kube_config_contexts(config_file=args.kubeconfig)
        return context["context"].get("namespace", "default")
    except (config.ConfigException, KeyError, TypeError):
        return "default"


def run_status(args: argparse.Namespace) -> int:
    if args.file:
        status = summarize(_read_rayservice(args.file), [])
    else:
        custom, core, api = _clients(args)
        namespace = _namespace(args)
        rayservice = custom.get_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, args.name
        )
        cluster = ((rayservice.get("status") or {}).get("activeServiceStatus") or {}).get(
            "rayClusterName"
        )
        pods = []
        if cluster:
            listed = core.list_namespaced_pod(namespace, label_selector=f"ray.io/cluster={cluster}")
            pods = [api.sanitize_for_serialization(p) for p in listed.items]
        status = summarize(rayservice, pods)
    print(json.dumps(asdict(status), indent=2) if args.json else format_status(status))
    return 0


def run_scale(args: argparse.Namespace) -> int:
    if args.file:  # offline: print the scaled manifest
        rayservice = _read_rayservice(args.file)
        patched = apply_patch(rayservice, scale_patch(rayservice, args.stage, args.min, args.max))
        sys.stdout.write(yaml.safe_dump(patched, sort_keys=False))
        return 0
    custom, _, _ = _clients(args)
    namespace = _namespace(args)
    rayservice = custom.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, args.name)
    patch = scale_patch(rayservice, args.stage, args.min, args.max)
    # The client would send merge-patch by default; this body is an RFC 6902 JSON patch.
    custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        namespace,
        PLURAL,
        args.name,
        patch,
        _content_type="application/json-patch+json",
    )
    bounds = str(args.max) if args.min == args.max else f"{args.min}..{args.max}"
    print(f"{args.stage}: replicas {bounds} (RayService {namespace}/{args.name} patched)")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    cluster = subparsers.add_parser("cluster", help="status and scaling of a KubeRay RayService")
    commands = cluster.add_subparsers(dest="cluster_command", required=True)
    for name, text in (
        ("status", "RayService status, conditions, per-stage replicas and GPUs"),
        ("scale", "set a stage's replicas (or autoscaling bounds) in serveConfigV2"),
    ):
        sub = commands.add_parser(name, help=text)
        if name == "scale":
            sub.add_argument("stage", help=f"one of {', '.join(STAGE_NAMES)}")
            sub.add_argument("--min", type=int, required=True, help="minimum replicas")
            sub.add_argument("--max", type=int, required=True, help="maximum replicas")
        else:
            sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.add_argument("--name", default="reelflow", help="RayService name (Helm fullname)")
        sub.add_argument("-n", "--namespace", help="default: the kubeconfig context's")
        sub.add_argument("--kubeconfig", help="default: $KUBECONFIG or ~/.kube/config")
        sub.add_argument("--context", help="kubeconfig context")
        sub.add_argument("--file", type=Path, help="work on this manifest instead (offline)")


def run(args: argparse.Namespace) -> int:
    try:
        if args.cluster_command == "scale":
            return run_scale(args)
        return run_status(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        from kubernetes.client import ApiException

        if isinstance(error, ApiException):  # e.g. 404: no such RayService; 409: edited meanwhile
            print(f"error: Kubernetes API: {error.status} {error.reason}", file=sys.stderr)
            return 1
        raise
