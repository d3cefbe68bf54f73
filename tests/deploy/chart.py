"""Rendering the chart with Helm's own engine (helm-python-sdk) and validating what it
renders: core kinds with kubernetes-validate, KubeRay kinds with ../shared/kuberay-crds."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from helm_python.chart import Chart

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "reelflow"
EXAMPLES = ROOT / "deploy" / "helm" / "examples"
CRDS = ROOT.parent / "shared" / "kuberay-crds"  # never copied into the repository
KUBERNETES_VERSION = "1.30.0"
# Kinds that come from CRDs we have no schema for here (Prometheus Operator); checked by
# promtool (PrometheusRule) and by tests of their fields (PodMonitor) instead.
OPERATOR_KINDS = {"PodMonitor", "PrometheusRule"}


def value_sets() -> dict[str, dict[str, Any]]:
    """The value sets every render test runs with: chart defaults and the shipped examples."""
    sets: dict[str, dict[str, Any]] = {"default": {}}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        sets[path.stem] = yaml.safe_load(path.read_text())
    return sets


@functools.cache
def chart() -> Chart:
    return Chart.load(str(CHART))


def render(values: dict[str, Any], name: str = "demo", namespace: str = "video") -> list[dict]:
    """Every object the chart renders, in template order."""
    manifests = chart().render(values, name=name, namespace=namespace)
    objects = []
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def notes(values: dict[str, Any]) -> str:
    manifests = chart().render(values, name="demo", namespace="video")
    return next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


@functools.cache
def crd_schema(plural: str, version: str = "v1") -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / f"ray.io_{plural}.yaml").read_text())
    (entry,) = (v for v in crd["spec"]["versions"] if v["name"] == version)
    return entry["schema"]["openAPIV3Schema"]


def unknown_fields(obj: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """Fields the API server would silently prune: not in the structural schema."""
    found: list[str] = []
    if isinstance(obj, dict) and schema.get("type") == "object":
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return found
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, value in obj.items():
            if properties is not None and key in properties:
                found += unknown_fields(value, properties[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(value, extra, f"{where}.{key}")
            elif properties is not None and key not in ("apiVersion", "kind", "metadata"):
                found.append(f"{where}.{key}")
    elif isinstance(obj, list) and "items" in schema:
        for index, item in enumerate(obj):
            found += unknown_fields(item, schema["items"], f"{where}[{index}]")
    return found


def validate_crd_object(obj: dict[str, Any], plural: str) -> None:
    """jsonschema against the CRD's openAPIV3Schema, plus no field the server would prune."""
    schema = crd_schema(plural)
    jsonschema.validate(obj, schema, cls=jsonschema.Draft7Validator)
    assert unknown_fields(obj, schema) == [], f"{obj['kind']}: fields the CRD doesn't define"


def validate_core_object(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
