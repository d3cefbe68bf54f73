"""What the chart closes now that it opens a second public port: the restricted Pod Security
Standard on every Ray container, a NetworkPolicy (on by default), the HTTP API's Service and
Ingress, and the webhook secret."""

from __future__ import annotations

from typing import Any

import pytest
from helm_python.errors import HelmError

from tests.deploy.chart import by_kind, chart, render, validate_core_object, value_sets

VALUE_SETS = value_sets()
ALLOWED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                   "persistentVolumeClaim", "projected", "secret"}  # fmt: skip


def pod_templates(objects: list[dict]) -> list[dict]:
    (service,) = by_kind(objects, "RayService")
    cluster = service["spec"]["rayClusterConfig"]
    return [g["template"] for g in [cluster["headGroupSpec"], *cluster.get("workerGroupSpecs", [])]]


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """The checks of the Kubernetes "restricted" Pod Security Standard (v1.30) that a pod
    template can fail, each container judged with its pod's settings as the fallback."""
    spec, found = pod["spec"], []
    pod_context = spec.get("securityContext", {})
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            found.append(key)
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            found.append(f"volume {volume['name']}: {kinds}")
    for container in spec.get("initContainers", []) + spec["containers"]:
        name, context = container["name"], container.get("securityContext", {})
        effective = {**pod_context, **context}.get  # the container's setting wins
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation not false")
        if effective("runAsNonRoot") is not True:
            found.append(f"{name}: runAsNonRoot not true")
        if effective("runAsUser") == 0:
            found.append(f"{name}: runAsUser 0")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            found.append(f"{name}: capabilities not dropped")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: capabilities added")
        seccomp = (effective("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile {seccomp}")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            found.append(f"{name}: hostPort")
    return found


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_ray_container_meets_the_restricted_pod_security_standard(name):
    templates = pod_templates(render(VALUE_SETS[name]))
    assert len(templates) >= 2  # the head and at least one worker group
    for pod in templates:
        assert restricted_violations(pod) == [], pod["metadata"]["labels"]
        for container in pod["spec"]["containers"]:
            assert container["securityContext"]["runAsUser"] == 1000  # the image's user


def test_the_checks_catch_a_container_that_breaks_the_standard():
    broken = {  # None deletes a default (Helm merges values maps)
        "allowPrivilegeEscalation": None,
        "seccompProfile": None,
        "runAsUser": 0,
        "capabilities": {"add": ["SYS_ADMIN"]},
    }
    objects = render(
        {"containerSecurityContext": broken, "podSecurityContext": {"seccompProfile": None}}
    )
    found = restricted_violations(pod_templates(objects)[0])
    assert any("allowPrivilegeEscalation" in f for f in found)
    assert any("runAsUser 0" in f for f in found) and any("added" in f for f in found)
    assert any("seccompProfile" in f for f in found)


def test_security_contexts_are_overridable():
    objects = render({"podSecurityContext": {"runAsUser": 2000}})
    for pod in pod_templates(objects):
        assert pod["spec"]["securityContext"]["runAsUser"] == 2000


def network_policy(values: dict) -> dict:
    (policy,) = by_kind(render(values), "NetworkPolicy")
    validate_core_object(policy)
    return policy


def rule_for(policy: dict, port: str | int) -> list[dict]:
    return [
        rule
        for rule in policy["spec"]["ingress"]
        if any(p["port"] == port for p in rule.get("ports", []))
    ]


def test_the_network_policy_is_on_by_default_and_opens_each_port_to_its_callers():
    policy = network_policy({})
    objects = render({})
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for pod in pod_templates(objects):  # it selects every Ray pod of the release
        assert selector.items() <= pod["metadata"]["labels"].items()
        ports = {p["name"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
        assert {"serve-grpc", "serve-http", "metrics"} <= ports  # the policy's named ports
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    internal = [r for r in policy["spec"]["ingress"] if "ports" not in r]
    assert internal == [{"from": [{"podSelector": {"matchLabels": selector}}]}]
    (serve,) = rule_for(policy, "serve-grpc")
    assert {p["port"] for p in serve["ports"]} == {"serve-grpc", "serve-http"}
    assert serve["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ]
    (metrics,) = rule_for(policy, "metrics")
    assert metrics["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "monitoring"
    }
    (operator,) = rule_for(policy, 8265)
    assert {p["port"] for p in operator["ports"]} == {8265, 52365}
    assert not rule_for(policy, 6379)  # the GCS port: release pods only (the rule above)


def test_listed_cidrs_reach_the_serve_ports_and_the_policy_can_be_turned_off():
    policy = network_policy({"networkPolicy": {"serveFrom": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}})
    (serve,) = rule_for(policy, "serve-http")
    assert serve["from"] == [{"ipBlock": {"cidr": "10.0.0.0/8"}}]
    assert by_kind(render({"networkPolicy": {"enabled": False}}), "NetworkPolicy") == []


def test_the_http_api_has_its_service_and_ingress():
    objects = render({"ingress": {"enabled": True}})
    (http,) = [s for s in by_kind(objects, "Service") if s["metadata"]["name"].endswith("-http")]
    assert http["spec"]["ports"] == [
        {"name": "http", "port": 8000, "targetPort": "serve-http", "protocol": "TCP",
         "appProtocol": "http"}
    ]  # fmt: skip
    assert http["spec"]["selector"]["ray.io/serve"] == "true"
    (ingress,) = [i for i in by_kind(objects, "Ingress") if i["metadata"]["name"].endswith("-http")]
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "api.reelflow.example.com"
    assert {p["path"] for p in rule["http"]["paths"]} == {"/v1", "/openapi.json"}
    assert {p["backend"]["service"]["name"] for p in rule["http"]["paths"]} == {
        http["metadata"]["name"]
    }
    assert "backend-protocol" not in str(ingress["metadata"].get("annotations", {}))
    assert ingress["spec"]["tls"][0]["hosts"] == ["api.reelflow.example.com"]
    no_http = render({"ingress": {"enabled": True, "http": {"enabled": False}}})
    assert len(by_kind(no_http, "Ingress")) == 1


def test_the_webhook_secret_reaches_every_pod_and_the_allow_list_the_app():
    values = {"webhookSecret": {"existingSecret": "hooks"},
              "serveConfig": {"webhooks": {"allowed_hosts": ["*.example.com"]}}}  # fmt: skip
    objects = render(values)
    for pod in pod_templates(objects):
        (container,) = pod["spec"]["containers"]
        (env,) = [e for e in container["env"] if e["name"] == "REELFLOW_WEBHOOK_SECRET"]
        assert env["valueFrom"]["secretKeyRef"] == {"name": "hooks", "key": "secret"}
    import yaml

    (service,) = by_kind(objects, "RayService")
    (app,) = yaml.safe_load(service["spec"]["serveConfigV2"])["applications"]
    assert app["args"]["webhooks"]["allowed_hosts"] == ["*.example.com"]
    assert all(
        e["name"] != "REELFLOW_WEBHOOK_SECRET"
        for pod in pod_templates(render({}))
        for e in pod["spec"]["containers"][0]["env"]
    )


BAD_VALUES = {
    "network policy flag as a string": {"networkPolicy": {"enabled": "yes"}},
    "a peer with an unknown key": {"networkPolicy": {"serveFrom": [{"namespace": "x"}]}},
    "an empty peer": {"networkPolicy": {"metricsFrom": [{}]}},
    "an ipBlock without cidr": {"networkPolicy": {"serveFrom": [{"ipBlock": {}}]}},
    "webhook attempts 0": {"serveConfig": {"webhooks": {"max_attempts": 0}}},
    "a webhook host with a path": {"serveConfig": {"webhooks": {"allowed_hosts": ["a.com/x"]}}},
    "http port 0": {"service": {"httpPort": 0}},
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_values_schema_rejects_bad_hardening_values(case):
    with pytest.raises(HelmError):
        chart().validate_schema(BAD_VALUES[case])
