"""Alert rules under promtool (check + unit tests) and the dashboard's queries, which may only
name metrics that exist: reelflow's (reelflow.services.metrics) or Ray Serve's own."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import ray.serve
import yaml

from reelflow.services import metrics
from tests.deploy.chart import CHART, ROOT

ALERTS = CHART / "files" / "alerts.yaml"
DASHBOARD = CHART / "files" / "dashboard.json"
NAME = re.compile(r"\b((?:reelflow|ray)_[a-zA-Z0-9_]+)\b")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["promtool", *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_promtool_check_rules():
    result = promtool("check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 7 rules found" in result.stdout


def test_promtool_unit_tests_of_every_alert():
    result = promtool("test", "rules", "deploy/prometheus/alerts_test.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(
        re.findall(r"alertname: (\w+)", (ROOT / "deploy/prometheus/alerts_test.yaml").read_text())
    )
    rules = yaml.safe_load(ALERTS.read_text())["groups"][0]["rules"]
    assert tested == {rule["alert"] for rule in rules}


def defined(name: str) -> bool:
    if name.startswith("reelflow_"):
        specs = {spec.name: spec for spec in metrics.METRICS}
        if name in specs:
            return True
        base = next((name.removesuffix(s) for s in HISTOGRAM_SUFFIXES if name.endswith(s)), "")
        return base in specs and specs[base].kind == "histogram"
    # Ray Serve's own metrics: Ray exports serve_X as ray_serve_X; X must be in its source.
    source = "\n".join(p.read_text() for p in Path(ray.serve.__file__).parent.rglob("*.py"))
    return f'"{name.removeprefix("ray_")}"' in source


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def alert_queries() -> list[str]:
    return [rule["expr"] for rule in yaml.safe_load(ALERTS.read_text())["groups"][0]["rules"]]


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_queries_name_only_metrics_that_exist(source):
    queries = dashboard_queries() if source == "dashboard" else alert_queries()
    names = {name for query in queries for name in NAME.findall(query)}
    assert names
    assert sorted(n for n in names if not defined(n)) == []


def test_the_dashboard_shows_every_reelflow_metric_and_is_valid_grafana_json():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    text = " ".join(dashboard_queries())
    for spec in metrics.METRICS:
        assert spec.name in text, f"{spec.name} is not on the dashboard"


def test_a_query_with_a_typo_would_be_caught():
    assert not defined("reelflow_jobs_totl")
    assert not defined("reelflow_jobs_in_flight_bucket")  # a gauge has no buckets
    assert not defined("ray_serve_no_such_metric")
    assert defined("ray_serve_deployment_replica_healthy")
