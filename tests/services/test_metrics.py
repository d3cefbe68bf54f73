"""The metric definitions and the embedded (prometheus-client) backend, checked by promtool."""

from __future__ import annotations

import subprocess
import urllib.request

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from reelflow.services import metrics
from reelflow.services.config import STAGE_NAMES


def test_every_metric_follows_the_naming_rules():
    names = [spec.name for spec in metrics.METRICS]
    assert len(names) == len(set(names))
    for spec in metrics.METRICS:
        assert spec.name.startswith("reelflow_")
        assert (spec.kind == "counter") == spec.name.endswith("_total")
        if spec.kind == "histogram":
            assert list(spec.buckets) == sorted(spec.buckets)
        if spec.kind == "histogram" and spec.name.endswith("_seconds"):
            assert spec.buckets[-1] >= 30 * 60 and spec.buckets[0] <= 0.01
        for label in spec.labels:
            assert label in metrics.ALLOWED_VALUES or label in ("call", "device"), label
    assert metrics.STAGES == STAGE_NAMES  # one stage vocabulary


def test_bad_specs_and_label_values_are_refused():
    with pytest.raises(ValueError, match="prefixed"):
        metrics.MetricSpec("jobs_total", "counter", "x")
    with pytest.raises(ValueError, match="_total"):
        metrics.MetricSpec("reelflow_jobs", "counter", "x")
    with pytest.raises(ValueError, match="buckets"):
        metrics.MetricSpec("reelflow_x_seconds", "histogram", "x")
    with pytest.raises(ValueError, match="not one of"):
        metrics.record_job("exploded")
    with pytest.raises(ValueError, match="not one of"):
        metrics.timed_stage("Painter", "paint")


def _sample(name: str, **labels: str) -> float:
    exposition = generate_latest(metrics.REGISTRY).decode()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_embedded_backend_records_what_the_api_is_given():
    before = _sample("reelflow_jobs_total", state="succeeded")
    metrics.record_job("succeeded")
    assert _sample("reelflow_jobs_total", state="succeeded") == before + 1

    @metrics.timed_stage("Muxer", "decode_and_mux")
    def mux() -> str:
        return "mp4"

    count = _sample("reelflow_stage_duration_seconds_count", stage="Muxer", call="decode_and_mux")
    assert mux() == "mp4"
    assert (
        _sample("reelflow_stage_duration_seconds_count", stage="Muxer", call="decode_and_mux")
        == count + 1
    )
    with metrics.job_in_flight():
        assert _sample("reelflow_jobs_in_flight") == 1
    assert _sample("reelflow_jobs_in_flight") == 0
    with pytest.raises(RuntimeError), metrics.job_in_flight():
        raise RuntimeError("the job failed")
    assert _sample("reelflow_jobs_in_flight") == 0


def _touch_every_metric() -> None:
    metrics.record_job("queued")
    metrics.observe_job_seconds("succeeded", 12.0)
    metrics.observe_queue_wait(0.5)
    metrics.observe_stage_seconds("SpatialStage", "keyframes", 0.2)
    metrics.observe_step_seconds("temporal", 0.03)
    metrics.observe_batch_size("AudioStage", 2)
    metrics.add_video_seconds(4.0)
    metrics.record_cache("conditioning", hit=True)
    metrics.record_error("INVALID_ARGUMENT")
    metrics.set_jobs_queued(3)
    metrics.record_http("/v1/videos", 200, 0.01)
    metrics.record_http("/no/such/route", 418, 0.01)  # counted as other/other
    with metrics.job_in_flight():
        pass


def test_http_exposition_is_clean_for_promtool():
    _touch_every_metric()
    server, port = metrics.serve_http("127.0.0.1", 0)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
    finally:
        server.shutdown()
    families = {f.name for f in text_string_to_metric_families(body.decode())}
    # prometheus-client names counter families without _total; the samples carry it.
    expected = {s.name.removesuffix("_total") for s in metrics.METRICS}
    assert expected - {"reelflow_gpu_memory_allocated_bytes"} <= families
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == b"" and check.stderr.strip() == b""


def test_every_status_code_the_services_return_is_a_known_label_value():
    from reelflow.services.jobs.errors import ErrorCode

    assert {str(code) for code in ErrorCode} == set(metrics.ERROR_CODES)


@pytest.mark.gpu
def test_gpu_memory_is_recorded_with_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    held = torch.ones(1024, 1024, device="cuda")  # 4 MiB
    metrics.record_gpu_memory("SpatialStage")
    assert _sample("reelflow_gpu_memory_allocated_bytes", stage="SpatialStage", device="0") >= (
        held.numel() * 4
    )
