"""The Helm chart, rendered by Helm's Go engine and validated object by object."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
import yaml
from helm_python.chart import lint
from helm_python.errors import HelmError
from ray.serve.schema import ServeDeploySchema

from reelflow.services import metrics
from reelflow.services.config import (
    DEFAULT_CONFIG,
    FAMILY_STAGES,
    RENAMED_STAGES,
    STAGE_NAMES,
    parse_config,
)
from tests.deploy.chart import (
    CHART,
    OPERATOR_KINDS,
    by_kind,
    chart,
    notes,
    render,
    validate_core_object,
    validate_crd_object,
    value_sets,
)

VALUE_SETS = value_sets()


@pytest.fixture(scope="module", params=sorted(VALUE_SETS))
def rendered(request) -> tuple[str, dict[str, Any], list[dict]]:
    values = VALUE_SETS[request.param]
    return request.param, chart().merge_values(values), render(values)


def the(objects: list[dict], kind: str) -> dict:
    (obj,) = by_kind(objects, kind)
    return obj


def serve_config(objects: list[dict]) -> dict[str, Any]:
    return yaml.safe_load(the(objects, "RayService")["spec"]["serveConfigV2"])


def pods(objects: list[dict]) -> list[dict]:
    cluster = the(objects, "RayService")["spec"]["rayClusterConfig"]
    groups = [cluster["headGroupSpec"], *cluster.get("workerGroupSpecs", [])]
    return [group["template"] for group in groups]


def test_the_shipped_value_sets_exist():
    assert {"default", "small-gpu", "minimal", "ltx2-gpu"} <= set(VALUE_SETS)


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_helm_lint_is_clean(name):
    report = lint(str(CHART), VALUE_SETS[name], strict=True, namespace="video")
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_object_is_valid_for_its_schema(rendered):
    _, _, objects = rendered
    kinds = {o["kind"] for o in objects}
    assert {"RayService", "Service", "Secret"} <= kinds
    for obj in objects:
        if obj["kind"] == "RayService":
            validate_crd_object(obj, "rayservices")
            # KubeRay creates a RayCluster from rayClusterConfig: valid as one too.
            cluster = {
                "apiVersion": "ray.io/v1",
                "kind": "RayCluster",
                "metadata": {"name": obj["metadata"]["name"]},
                "spec": obj["spec"]["rayClusterConfig"],
            }
            validate_crd_object(cluster, "rayclusters")
        elif obj["kind"] not in OPERATOR_KINDS:
            validate_core_object(obj)
        assert obj["metadata"]["labels"]["app.kubernetes.io/instance"] == "demo"


def test_serve_config_v2_is_valid_for_ray_and_resolves_to_the_code(rendered):
    _, values, objects = rendered
    config = serve_config(objects)
    ServeDeploySchema.model_validate(config)
    (app,) = config["applications"]
    module, _, attribute = app["import_path"].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    for path in config["grpc_options"]["grpc_servicer_functions"]:
        module, _, attribute = path.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute))
    # Only the served family's stages: Serve refuses settings for a deployment the app lacks.
    family = values["serveConfig"]["model"]["family"]
    served = [name for name in STAGE_NAMES if name in FAMILY_STAGES[family]]
    assert [d["name"] for d in app["deployments"]] == served
    # The args are the serving config the code parses (reelflow serve --config reads the same).
    parsed = parse_config(app["args"])
    for entry in app["deployments"]:
        options = parsed.deployment(entry["name"]).serve_options()
        assert {k: v for k, v in entry.items() if k != "name"} == options
    assert config["grpc_options"]["port"] == values["serveConfig"]["grpc_port"]


def test_build_app_accepts_the_rendered_args_without_starting_ray(rendered):
    from ray.serve import Application

    from reelflow.services.hosts.ray.app import build_app

    (app,) = serve_config(rendered[2])["applications"]
    assert isinstance(build_app(app["args"]), Application)


def test_chart_defaults_mirror_serve_config_yaml():
    """One serving config: the chart's defaults have the structure and the stage settings of
    reelflow/services/serve_config.yaml. Cluster-only differences are listed here."""
    packaged = yaml.safe_load(DEFAULT_CONFIG.read_text())
    values = chart().values["serveConfig"]
    assert set(values) == set(packaged)
    assert values["deployments"] == packaged["deployments"]
    cluster_only = {("auth", "enabled")}  # API keys on wherever strangers can connect
    for section, settings in packaged.items():
        if section == "deployments":
            continue
        if not isinstance(settings, dict):
            assert values[section] == settings, section
            continue
        assert set(values[section]) == set(settings), section
        for key, value in settings.items():
            if (section, key) not in cluster_only:
                assert values[section][key] == value, f"{section}.{key}"


def test_ports_env_and_gpus_on_every_pod(rendered):
    _, values, objects = rendered
    message_bytes = str(values["serveConfig"]["max_message_bytes"])
    for pod in pods(objects):
        (container,) = pod["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["serve-grpc"] == 9000 and ports["serve-http"] == 8000
        assert ports["metrics"] == 8080
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["RAY_SERVE_REPLICA_GRPC_MAX_MESSAGE_LENGTH"] == message_bytes
    cluster = the(objects, "RayService")["spec"]["rayClusterConfig"]
    assert cluster["headGroupSpec"]["rayStartParams"]["metrics-export-port"] == "8080"
    for group, spec in zip(values["workerGroups"], cluster["workerGroupSpecs"], strict=True):
        (container,) = spec["template"]["spec"]["containers"]
        gpus = container["resources"]["limits"].get("nvidia.com/gpu", 0)
        assert (
            gpus
            == group.get("gpus", 0)
            == container["resources"]["requests"].get("nvidia.com/gpu", 0)
        )
        assert spec["template"]["spec"].get("tolerations", []) == group.get("tolerations", [])
        assert spec["template"]["spec"].get("nodeSelector", {}) == group.get("nodeSelector", {})
        assert spec["rayStartParams"]["metrics-export-port"] == "8080"


def test_small_gpu_example_has_a_gpu_pool_per_branch_and_room_for_every_replica():
    values = chart().merge_values(VALUE_SETS["small-gpu"])
    objects = render(VALUE_SETS["small-gpu"])
    groups = the(objects, "RayService")["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    capacity: dict[str, float] = {}
    for group in groups:
        for resource, amount in group.get("resources", {}).items():
            capacity[resource] = capacity.get(resource, 0) + float(amount) * group["maxReplicas"]
    gpu_groups = {g["groupName"] for g in groups if g["template"]["spec"].get("tolerations")}
    assert gpu_groups == {"dit", "rayflow", "audio"}
    demand: dict[str, float] = {}
    for stage, settings in values["serveConfig"]["deployments"].items():
        replicas = settings.get("num_replicas") or settings["autoscaling_config"]["max_replicas"]
        for resource, amount in settings["ray_actor_options"].get("resources", {}).items():
            demand[resource] = demand.get(resource, 0) + amount * replicas
        if stage in ("SpatialStage", "TemporalStage", "AudioStage"):
            assert settings["ray_actor_options"]["num_gpus"] > 0, stage
    for resource, needed in demand.items():
        assert needed <= capacity.get(resource, 0), f"{resource}: {needed} > {capacity}"


def named(objects: list[dict], kind: str, suffix: str) -> dict:
    (obj,) = [o for o in by_kind(objects, kind) if o["metadata"]["name"].endswith(suffix)]
    return obj


def test_service_and_ingress_reach_the_serve_proxies():
    objects = render(VALUE_SETS["small-gpu"])
    service = named(objects, "Service", "-grpc")
    assert service["spec"]["ports"][0]["targetPort"] == "serve-grpc"
    selector = {k: v for k, v in service["spec"]["selector"].items() if k != "ray.io/serve"}
    for pod in pods(objects):  # KubeRay adds ray.io/serve=true to pods whose proxy is ready
        assert selector.items() <= pod["metadata"]["labels"].items()
    ingress = named(objects, "Ingress", "-reelflow")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": "grpc"}}
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] == (
        "GRPC"
    )
    assert ingress["spec"]["tls"][0]["hosts"] == ["reelflow.example.com"]
    assert "grpcurl -H" in notes(VALUE_SETS["small-gpu"])


def test_api_key_secret_holds_only_hashes_for_the_pods():
    import base64
    import hashlib

    sha = "ab" * 32
    objects = render({"apiKeys": {"generate": True, "hashed": [{"name": "ci", "sha256": sha}]}})
    data = {k: base64.b64decode(v).decode() for k, v in the(objects, "Secret")["data"].items()}
    key = data["default-key"]
    assert len(key) == 40
    assert (
        data["REELFLOW_API_KEYS"] == f"default:{hashlib.sha256(key.encode()).hexdigest()},ci:{sha}"
    )


def test_job_store_volume_is_mounted_where_the_args_point(rendered):
    _, values, objects = rendered
    (app,) = serve_config(objects)["applications"]
    persistence = values["jobStore"]["persistence"]["enabled"]
    assert by_kind(objects, "PersistentVolumeClaim") == ([] if not persistence else [mock_any()])
    if persistence:
        assert app["args"]["jobs"]["store_dir"] == values["jobStore"]["mountPath"]
        head = pods(objects)[0]["spec"]
        claim = the(objects, "PersistentVolumeClaim")["metadata"]["name"]
        assert head["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim


class mock_any:  # an equality wildcard for one list element
    def __eq__(self, other: object) -> bool:
        return True


def test_podmonitors_relabel_exactly_as_the_metrics_module_says():
    objects = render({})
    monitors = by_kind(objects, "PodMonitor")
    assert {m["spec"]["selector"]["matchLabels"]["reelflow.dev/node-type"] for m in monitors} == {
        "head",
        "worker",
    }
    snake = {"sourceLabels": "source_labels", "targetLabel": "target_label"}
    for monitor in monitors:
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        assert endpoint["port"] == "metrics"
        rules = [{snake.get(k, k): v for k, v in r.items()} for r in endpoint["metricRelabelings"]]
        assert rules == list(metrics.RAY_RELABELINGS)


def test_prometheus_rule_and_dashboard_carry_the_repository_files():
    objects = render({})
    alerts = yaml.safe_load((CHART / "files" / "alerts.yaml").read_text())
    assert the(objects, "PrometheusRule")["spec"] == alerts
    dashboard = the(objects, "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["reelflow.json"]) == json.loads(
        (CHART / "files" / "dashboard.json").read_text()
    )


BAD_VALUES = {
    "negative replicas": {"serveConfig": {"deployments": {"Muxer": {"num_replicas": -1}}}},
    "zero max_ongoing_requests": {
        "serveConfig": {"deployments": {"AudioStage": {"max_ongoing_requests": 0}}}
    },
    "GPU count as a string": {
        "workerGroups": [
            {"name": "gpu", "replicas": 1, "minReplicas": 1, "maxReplicas": 1, "gpus": "1"}
        ]
    },
    "stage num_gpus as a string": {
        "serveConfig": {"deployments": {"SpatialStage": {"ray_actor_options": {"num_gpus": "1"}}}}
    },
    "unknown stage": {
        "serveConfig": {"deployments": {"Painter": {"num_replicas": 1, "max_ongoing_requests": 1}}}
    },
    "unknown actor option": {
        "serveConfig": {"deployments": {"Muxer": {"ray_actor_options": {"num_tpus": 1}}}}
    },
    "autoscaling without max_replicas": {
        "serveConfig": {"deployments": {"Muxer": {"autoscaling_config": {"min_replicas": 1}}}}
    },
    "unknown preset": {"serveConfig": {"preset": "8k"}},
    "message limit under 4 MiB": {"serveConfig": {"max_message_bytes": 1024}},
    "batch size over 64": {"serveConfig": {"batching": {"max_batch_size": 65}}},
    "worker group name with capitals": {
        "workerGroups": [{"name": "GPU", "replicas": 1, "minReplicas": 1, "maxReplicas": 1}]
    },
    "bad api key hash": {"apiKeys": {"hashed": [{"name": "ci", "sha256": "nothex"}]}},
    "typo at the top level": {"workergroups": []},
    "bad proxy location": {"serve": {"proxyLocation": "Everywhere"}},
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_values_schema_rejects_bad_values(case):
    with pytest.raises(HelmError):
        chart().validate_schema(BAD_VALUES[case])
    with pytest.raises(HelmError):
        render(BAD_VALUES[case])


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_values_schema_accepts_the_shipped_values(name):
    chart().validate_schema(VALUE_SETS[name])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {
                "serveConfig": {
                    "deployments": {"Muxer": {"ray_actor_options": {"resources": {"tpu_pool": 1}}}}
                }
            },
            "no workerGroup advertises",
        ),
        (
            {
                "serveConfig": {
                    "deployments": {"AudioStage": {"ray_actor_options": {"num_gpus": 1}}}
                }
            },
            "no workerGroup has gpus",
        ),
    ],
)
def test_render_refuses_a_stage_that_could_never_be_placed(values, message):
    with pytest.raises(HelmError, match=message):
        render(values)


@pytest.mark.parametrize("old", sorted(RENAMED_STAGES))
def test_render_names_the_new_name_of_a_renamed_stage(old):
    values = {"serveConfig": {"deployments": {old: {"num_replicas": 2}}}}
    with pytest.raises(
        HelmError, match=rf"deployments\.{old}: .* now called {RENAMED_STAGES[old]};"
    ):
        render(values)


def test_postgres_job_store_url_reaches_every_pod_from_its_secret():
    objects = render(
        {
            "jobStore": {
                "postgres": {"existingSecret": "jobs-db", "key": "dsn"},
                "persistence": {"enabled": False},
            }
        }
    )
    assert by_kind(objects, "PersistentVolumeClaim") == []
    for pod in pods(objects):
        (container,) = pod["spec"]["containers"]
        (env,) = [e for e in container["env"] if e["name"] == "REELFLOW_JOBS_STORE_URL"]
        assert env["valueFrom"]["secretKeyRef"] == {"name": "jobs-db", "key": "dsn"}
    with pytest.raises(Exception, match="store_url"):
        render({"serveConfig": {"jobs": {"store_url": "mysql://db/jobs"}}})
