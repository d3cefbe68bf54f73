"""`reelflow cluster status|scale`: the patches and summaries they build, checked against the
KubeRay CRD schema and Ray's ServeDeploySchema. No Kubernetes API server runs here, so the calls
to it are not exercised (README says so)."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import urllib.parse

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from reelflow.cli import cluster
from reelflow.cli.main import main
from reelflow.services.config import STAGE_NAMES, parse_config
from tests.deploy.chart import render, validate_core_object, validate_crd_object, value_sets


def rayservice(values_name: str = "default") -> dict:
    (obj,) = (o for o in render(value_sets()[values_name]) if o["kind"] == "RayService")
    obj["metadata"].update(namespace="video", resourceVersion="4711")
    return obj


def deployments(obj: dict) -> dict[str, dict]:
    config = yaml.safe_load(obj["spec"]["serveConfigV2"])
    return {d["name"]: d for d in config["applications"][0]["deployments"]}


@pytest.mark.parametrize("values_name", ["default", "small-gpu"])
@pytest.mark.parametrize(("low", "high"), [(1, 4), (3, 3), (0, 2)])
def test_scale_patch_gives_a_valid_rayservice_with_the_new_bounds(values_name, low, high):
    before = rayservice(values_name)
    patch = cluster.scale_patch(before, "TemporalStage", low, high)
    assert patch[0] == {"op": "test", "path": "/metadata/resourceVersion", "value": "4711"}
    assert [op["path"] for op in patch[1:]] == ["/spec/serveConfigV2"]
    after = cluster.apply_patch(before, patch)
    validate_crd_object(after, "rayservices")
    config = yaml.safe_load(after["spec"]["serveConfigV2"])
    ServeDeploySchema.model_validate(config)
    entry = deployments(after)["TemporalStage"]
    if low == high:
        assert entry["num_replicas"] == high and "autoscaling_config" not in entry
    else:
        assert "num_replicas" not in entry
        assert entry["autoscaling_config"]["min_replicas"] == low
        assert entry["autoscaling_config"]["max_replicas"] == high
    # Everything else is untouched: other stages, resources, the application's args.
    untouched = {k: v for k, v in deployments(before).items() if k != "TemporalStage"}
    assert {k: v for k, v in deployments(after).items() if k != "TemporalStage"} == untouched
    assert entry["ray_actor_options"] == deployments(before)["TemporalStage"]["ray_actor_options"]
    parse_config(config["applications"][0]["args"])


def test_scale_keeps_existing_autoscaling_settings():
    before = rayservice("small-gpu")
    after = cluster.apply_patch(before, cluster.scale_patch(before, "TemporalStage", 2, 6))
    auto = deployments(after)["TemporalStage"]["autoscaling_config"]
    assert auto == {
        **deployments(before)["TemporalStage"]["autoscaling_config"],
        "min_replicas": 2,
        "max_replicas": 6,
    }


@pytest.mark.parametrize(
    ("stage", "low", "high", "message"),
    [
        ("Painter", 1, 2, "unknown stage"),
        ("TemporalRayFlow", 1, 2, "now called TemporalStage"),
        ("Muxer", 3, 2, "--min <= --max"),
        ("Muxer", -1, 2, "--min <= --max"),
        ("Muxer", 0, 0, "--max"),
    ],
)
def test_scale_refuses_bad_requests(stage, low, high, message):
    with pytest.raises(ValueError, match=message):
        cluster.scale_patch(rayservice(), stage, low, high)


def test_a_concurrent_edit_fails_the_patch_instead_of_being_overwritten():
    obj = rayservice()
    patch = cluster.scale_patch(obj, "Muxer", 1, 2)
    obj["metadata"]["resourceVersion"] = "4712"
    with pytest.raises(ValueError, match="modified meanwhile"):
        cluster.apply_patch(obj, patch)


class RecordingApiServer:
    """A loopback HTTP endpoint standing in for the Kubernetes API server (none can run here):
    it answers GETs from a dict and records every request, so the real `kubernetes` client and
    the real command run end to end. It checks nothing a real API server would."""

    def __init__(self, objects: dict[str, dict]):
        self.objects, self.requests = objects, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, body: dict, code: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = self.path.split("?")[0]
                outer.requests.append(("GET", self.path, dict(self.headers), None))
                if path in outer.objects:
                    self._answer(outer.objects[path])
                else:
                    self._answer({"kind": "Status", "code": 404, "reason": "NotFound"}, 404)

            def do_PATCH(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(("PATCH", self.path, dict(self.headers), body))
                patched = cluster.apply_patch(outer.objects[self.path], body)
                outer.objects[self.path] = patched
                self._answer(patched)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def kubeconfig(self, path) -> str:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": self.url}}],
            "users": [{"name": "test", "user": {"token": "not-a-secret"}}],
            "contexts": [
                {
                    "name": "test",
                    "context": {"cluster": "test", "user": "test", "namespace": "video"},
                }
            ],
            "current-context": "test",
        }
        path.write_text(yaml.safe_dump(config))
        return str(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


RAYSERVICE_PATH = "/apis/ray.io/v1/namespaces/video/rayservices/demo-reelflow"


@pytest.fixture
def api_server():
    server = RecordingApiServer({RAYSERVICE_PATH: rayservice("small-gpu")})
    try:
        yield server
    finally:
        server.close()


def test_scale_sends_a_json_patch_through_the_kubernetes_client(api_server, tmp_path, capsys):
    config = api_server.kubeconfig(tmp_path / "kubeconfig")
    args = ["cluster", "scale", "AudioStage", "--min", "1", "--max", "3"]
    assert main([*args, "--name", "demo-reelflow", "--kubeconfig", config]) == 0
    assert "AudioStage: replicas 1..3" in capsys.readouterr().out
    (get, patch) = api_server.requests
    assert get[:2] == ("GET", RAYSERVICE_PATH)
    assert patch[:2] == ("PATCH", RAYSERVICE_PATH)
    assert patch[2]["Content-Type"] == "application/json-patch+json"
    assert {k.lower(): v for k, v in patch[2].items()}["authorization"] == "Bearer not-a-secret"
    scaled = api_server.objects[RAYSERVICE_PATH]
    validate_crd_object(scaled, "rayservices")
    assert deployments(scaled)["AudioStage"]["autoscaling_config"]["max_replicas"] == 3


def test_status_reads_the_rayservice_and_its_pods(api_server, tmp_path, capsys):
    api_server.objects[RAYSERVICE_PATH] = live_status(api_server.objects[RAYSERVICE_PATH])
    api_server.objects["/api/v1/namespaces/video/pods"] = {
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {},
        "items": [pod("head", 0), pod("dit-1", 1)],
    }
    config = api_server.kubeconfig(tmp_path / "kubeconfig")
    assert (
        main(["cluster", "status", "--name", "demo-reelflow", "--kubeconfig", config, "--json"])
        == 0
    )
    status = json.loads(capsys.readouterr().out)
    assert status["gpus_requested"] == 1 and status["pods_total"] == 2
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(api_server.requests[1][1]).query)
    assert query["labelSelector"] == ["ray.io/cluster=demo-reelflow-abcde"]


def test_a_missing_rayservice_is_reported_not_raised(api_server, tmp_path, capsys):
    config = api_server.kubeconfig(tmp_path / "kubeconfig")
    assert main(["cluster", "status", "--name", "nope", "--kubeconfig", config]) == 1
    assert "404" in capsys.readouterr().err


def live_status(obj: dict) -> dict:
    """The status KubeRay writes, shaped by its CRD (validated below)."""
    obj = copy.deepcopy(obj)
    obj["status"] = {
        "serviceStatus": "Running",
        "numServeEndpoints": 3,
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "NonZeroServeEndpoints",
                "message": "Number of serve endpoints is greater than 0",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ],
        "activeServiceStatus": {
            "rayClusterName": "demo-reelflow-abcde",
            "applicationStatuses": {
                "reelflow": {
                    "status": "RUNNING",
                    "serveDeploymentStatuses": {
                        **{name: {"status": "HEALTHY"} for name in STAGE_NAMES},
                        "AudioStage": {"status": "UPDATING", "message": "1 replica starting"},
                    },
                }
            },
        },
    }
    return obj


def pod(name: str, gpus: int, phase: str = "Running", ready: bool = True) -> dict:
    limits = {"cpu": "4", "memory": "16Gi", **({"nvidia.com/gpu": str(gpus)} if gpus else {})}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"ray.io/cluster": "demo-reelflow-abcde"}},
        "spec": {
            "containers": [{"name": "ray-worker", "image": "x", "resources": {"limits": limits}}]
        },
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def test_status_summary_of_a_live_rayservice():
    obj = live_status(rayservice("small-gpu"))
    validate_crd_object(obj, "rayservices")
    pods = [
        pod("head", 0),
        pod("dit-1", 1),
        pod("rayflow-1", 1),
        pod("audio-1", 1, "Pending", False),
    ]
    for item in pods:
        validate_core_object(item)
    status = cluster.summarize(obj, pods)
    assert (status.service_status, status.app_status) == ("Running", "RUNNING")
    assert (status.pods_ready, status.pods_total, status.gpus_requested) == (3, 4, 2)
    stages = {s.name: s for s in status.stages}
    assert stages["TemporalStage"].replicas == "1..3" and stages["AudioStage"].replicas == "2"
    assert stages["AudioStage"].status == "UPDATING"
    text = cluster.format_status(status)
    assert "RayService video/demo-reelflow: Running" in text
    assert "AudioStage       2         UPDATING  1 replica starting" in text
    assert "condition Ready=True NonZeroServeEndpoints" in text


def test_cli_scale_and_status_offline_on_a_manifest(tmp_path, capsys):
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(yaml.safe_dump_all(render(value_sets()["small-gpu"])))
    args = ["cluster", "scale", "SpatialStage", "--min", "1", "--max", "2"]
    assert main([*args, "--file", str(manifest)]) == 0
    scaled = yaml.safe_load(capsys.readouterr().out)
    validate_crd_object(scaled, "rayservices")
    assert deployments(scaled)["SpatialStage"]["autoscaling_config"]["max_replicas"] == 2
    (tmp_path / "scaled.yaml").write_text(yaml.safe_dump(scaled))
    assert main(["cluster", "status", "--file", str(tmp_path / "scaled.yaml")]) == 0
    assert "SpatialStage     1..2" in capsys.readouterr().out
    assert (
        main(["cluster", "scale", "Painter", "--min", "1", "--max", "2", "--file", str(manifest)])
        == 2
    )
    assert "unknown stage" in capsys.readouterr().err
