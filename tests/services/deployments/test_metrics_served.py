"""A real Prometheus scrapes a real local Ray Serve running reelflow and sees the jobs it ran."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import urllib.request

import grpc
import pytest

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services import metrics
from reelflow.services.api.grpc.client import generate_remote
from reelflow.services.config import FAMILY_STAGES
from reelflow.services.hosts.ray import server
from tests.deploy.prometheus import free_port, prometheus, query, wait_for_value

pytestmark = pytest.mark.serve
PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    raw = server.read_raw_config(None)
    store = str(tmp_path_factory.mktemp("jobs"))
    raw |= {"checkpoint": "none", "jobs": raw["jobs"] | {"store_dir": store}}
    config = server.start(raw, grpc_port=free_port())
    try:
        import ray

        # Ray exports application metrics on each node's metrics port (KubeRay: 8080).
        (node,) = ray.nodes()
        yield f"127.0.0.1:{config.grpc_port}", f"127.0.0.1:{node['MetricsExportPort']}"
    finally:
        server.stop()


def test_prometheus_sees_the_jobs_stages_and_steps_served(served, tmp_path):
    address, metrics_target = served
    reply = generate_remote(address, GenerationRequest(PROMPT, seed=3, steps=2), timeout_s=300)
    assert reply.result.mp4
    with pytest.raises(grpc.RpcError):
        generate_remote(address, GenerationRequest(""), timeout_s=60)

    with prometheus(tmp_path, [metrics_target], list(metrics.RAY_RELABELINGS)) as url:
        assert wait_for_value(url, 'sum(reelflow_jobs_total{state="succeeded"})', 1) == 1
        assert wait_for_value(url, 'sum(reelflow_jobs_total{state="rejected"})', 1) == 1
        assert wait_for_value(url, 'sum(reelflow_errors_total{code="INVALID_ARGUMENT"})', 1) == 1
        assert wait_for_value(url, "sum(reelflow_generated_video_seconds_total)", 2.0) == 2.0
        assert wait_for_value(url, 'sum(reelflow_job_duration_seconds_count{state="succeeded"})', 1)
        # Each replica's metrics reach the node's exporter on their own schedule: wait for each.
        served = set(FAMILY_STAGES["reelflow-tiny"]) - {"Orchestrator"}
        for stage in served:
            promql = f'sum(reelflow_stage_duration_seconds_count{{stage="{stage}"}})'
            assert wait_for_value(url, promql, 1) >= 1
        stages = query(url, "sum by (stage) (reelflow_stage_duration_seconds_count)")
        assert {r["metric"]["stage"] for r in stages} == served
        steps = query(url, "sum by (branch) (reelflow_step_duration_seconds_count)")
        per_branch = {r["metric"]["branch"]: float(r["value"][1]) for r in steps}
        assert per_branch["temporal"] == per_branch["audio"] == 2
        p95 = query(
            url,
            "histogram_quantile(0.95, sum by (le, stage) "
            "(reelflow_stage_duration_seconds_bucket{stage='Muxer'}))",
        )
        assert 0 < float(p95[0]["value"][1]) <= 1800
        assert query(url, "sum(reelflow_jobs_in_flight)")[0]["value"][1] == "0"
        assert query(url, 'count({__name__=~"ray_reelflow_.*"})') == []  # all renamed
        labels = label_names(url, '{__name__=~"reelflow_.*"}')
        assert {"deployment", "replica", "stage", "state"} <= labels
        assert all(re.fullmatch("[a-z_]+", name) for name in labels), labels


def label_names(url: str, selector: str) -> set[str]:
    address = f"{url}/api/v1/labels?" + urllib.parse.urlencode({"match[]": selector})
    with urllib.request.urlopen(address, timeout=10) as response:
        return set(json.load(response)["data"])


def test_ray_exposition_of_reelflow_metrics_is_clean_for_promtool_but_rays_labels(served):
    """promtool's only complaint is about the camelCase labels Ray itself adds (Component,
    NodeAddress, ...), which RAY_RELABELINGS removes at scrape time (checked above)."""
    _, metrics_target = served
    body = urllib.request.urlopen(f"http://{metrics_target}/metrics", timeout=10).read().decode()
    ours = "\n".join(line for line in body.splitlines() if "ray_reelflow_" in line) + "\n"
    assert "ray_reelflow_jobs_total" in ours
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=ours.encode(), capture_output=True, timeout=30
    )
    complaints = (check.stdout + check.stderr).decode().splitlines()
    assert complaints, "Ray's exposition changed: make this test strict"
    for line in complaints:
        assert line.endswith("label names should be written in 'snake_case' not 'camelCase'")
    # With Ray's labels stripped as the relabelling does, promtool is silent.
    stripped = re.sub(r"\b(?:" + "|".join(metrics.RAY_EXTRA_LABELS) + r')="[^"]*",?', "", ours)
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=stripped.encode(), capture_output=True, timeout=30
    )
    assert check.returncode == 0 and not check.stdout + check.stderr, check.stderr
