"""Every reelflow metric, defined once (DESIGN.md: prefix `reelflow_`, base units, `_total`
counters, explicit buckets reaching 30 minutes, few label values).

Two backends, one API:
- inside a Ray Serve replica the metrics are `ray.serve.metrics` objects; Ray exports them on
  each node's metrics port (KubeRay: 8080) as `ray_reelflow_*` with deployment/replica labels.
  The chart's PodMonitors and the tests' scrape config rename them back to `reelflow_*`
  (`RAY_RELABELINGS`), so dashboards and alerts use one set of names;
- everywhere else (the embedded server, the CLI) they are `prometheus_client` objects in
  `REGISTRY`, exposed by `serve_http(host, port)`.

Call sites use the small functions at the bottom (`record_job`, `observe_stage_seconds`,
`job_in_flight()`, ...); they never touch a backend. Label values are checked against the
fixed sets below so a typo can't create a new time series.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from prometheus_client import CollectorRegistry
from prometheus_client import Counter as PCounter
from prometheus_client import Gauge as PGauge
from prometheus_client import Histogram as PHistogram

Kind = Literal["counter", "gauge", "histogram"]

# Seconds from 5 ms (one tiny denoising step) to 30 minutes (a long job at the 2K preset).
SECONDS_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0,
)  # fmt: skip
BATCH_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)

# The label values each label may take. Job states follow the job lifecycle; stages are the
# deployment names (config.STAGE_NAMES); branches are the networks a denoising step calls.
JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled", "rejected")
STAGES = (
    "Orchestrator",
    "PromptEncoder",
    "SpatialStage",
    "TemporalStage",
    "AudioStage",
    "JointStage",
    "Muxer",
)
BRANCHES = ("temporal", "audio", "spatial", "joint")  # joint: LTX-2's one transformer
CACHES = ("conditioning",)
CACHE_RESULTS = ("hit", "miss")
# The job service's error codes (jobs/errors.ErrorCode, named as gRPC's status codes).
ERROR_CODES = (
    "INVALID_ARGUMENT",
    "RESOURCE_EXHAUSTED",
    "UNAUTHENTICATED",
    "DEADLINE_EXCEEDED",
    "CANCELLED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "FAILED_PRECONDITION",
    "PERMISSION_DENIED",
    "UNAVAILABLE",
    "INTERNAL",
    "UNIMPLEMENTED",
)
# The HTTP API's routes (api/http/app.py) and the statuses it answers; the rest are "other".
HTTP_ROUTES = (
    "/v1/videos",
    "/v1/videos/{video_id}",
    "/v1/videos/{video_id}/content",
    "/v1/videos/{video_id}/remix",
    "/v1/videos/extensions",
    "/v1/videos/edits",
    "/v1/models",
    "/v1/models/{model}",
    "/openapi.json",
    "other",
)
HTTP_STATUSES = (
    "200", "206", "400", "401", "403", "404", "405", "409", "413", "415", "416", "429",
    "500", "501", "503", "504", "other",
)  # fmt: skip


@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.startswith("reelflow_"):
            raise ValueError(f"{self.name}: metrics are prefixed reelflow_")
        if (self.kind == "counter") != self.name.endswith("_total"):
            raise ValueError(f"{self.name}: counters, and only counters, end in _total")
        if (self.kind == "histogram") != bool(self.buckets):
            raise ValueError(f"{self.name}: histograms, and only histograms, have buckets")


JOBS = MetricSpec("reelflow_jobs_total", "counter", "Jobs entering each state.", ("state",))
JOB_SECONDS = MetricSpec(
    "reelflow_job_duration_seconds",
    "histogram",
    "Accepted to finished, by final state.",
    ("state",),
    SECONDS_BUCKETS,
)
QUEUE_WAIT = MetricSpec(
    "reelflow_job_queue_wait_seconds",
    "histogram",
    "Accepted to started: time a job waited for a slot.",
    (),
    SECONDS_BUCKETS,
)
JOBS_IN_FLIGHT = MetricSpec("reelflow_jobs_in_flight", "gauge", "Jobs running now.")
JOBS_QUEUED = MetricSpec("reelflow_jobs_queued", "gauge", "Jobs accepted and waiting to run.")
STAGE_SECONDS = MetricSpec(
    "reelflow_stage_duration_seconds",
    "histogram",
    "One call of a stage deployment, measured in its replica.",
    ("stage", "call"),
    SECONDS_BUCKETS,
)
STEP_SECONDS = MetricSpec(
    "reelflow_step_duration_seconds",
    "histogram",
    "One denoising-step velocity of a branch, seen by the orchestrator (includes transport).",
    ("branch",),
    SECONDS_BUCKETS,
)
BATCH_SIZE = MetricSpec(
    "reelflow_batch_size",
    "histogram",
    "Requests a stage processed in one batched call.",
    ("stage",),
    BATCH_BUCKETS,
)
VIDEO_SECONDS = MetricSpec(
    "reelflow_generated_video_seconds_total", "counter", "Seconds of video delivered."
)
CACHE = MetricSpec(
    "reelflow_cache_requests_total",
    "counter",
    "Cache look-ups by cache and result (hit or miss).",
    ("cache", "result"),
)
ERRORS = MetricSpec(
    "reelflow_errors_total", "counter", "Requests answered with an error, by gRPC code.", ("code",)
)
HTTP_REQUESTS = MetricSpec(
    "reelflow_http_requests_total",
    "counter",
    "HTTP API requests by route template and status code.",
    ("route", "status"),
)
HTTP_SECONDS = MetricSpec(
    "reelflow_http_request_duration_seconds",
    "histogram",
    "HTTP API request to response, in the serving process, by route template.",
    ("route",),
    SECONDS_BUCKETS,
)
GPU_MEMORY = MetricSpec(
    "reelflow_gpu_memory_allocated_bytes",
    "gauge",
    "CUDA memory held by tensors in this process, per device (only when CUDA is present).",
    ("stage", "device"),
)

METRICS: tuple[MetricSpec, ...] = (
    JOBS,
    JOB_SECONDS,
    QUEUE_WAIT,
    JOBS_IN_FLIGHT,
    JOBS_QUEUED,
    STAGE_SECONDS,
    STEP_SECONDS,
    BATCH_SIZE,
    VIDEO_SECONDS,
    CACHE,
    ERRORS,
    HTTP_REQUESTS,
    HTTP_SECONDS,
    GPU_MEMORY,
)
ALLOWED_VALUES: dict[str, tuple[str, ...]] = {
    "state": JOB_STATES,
    "stage": STAGES,
    "branch": BRANCHES,
    "cache": CACHES,
    "result": CACHE_RESULTS,
    "code": ERROR_CODES,
    "route": HTTP_ROUTES,
    "status": HTTP_STATUSES,
}
# Prometheus relabelling (prometheus.yml metric_relabel_configs; the chart's PodMonitors carry
# the same rules) for Ray's exposition: drop the `ray_` prefix Ray adds to application metrics,
# and, on reelflow series only, the labels Ray adds that are camelCase or per-process noise
# (deployment/replica/application stay). A label set to "" is removed.
RAY_EXTRA_LABELS = (
    "Component",
    "NodeAddress",
    "SessionName",
    "Version",
    "WorkerId",
    "otel_scope_name",
    "otel_scope_schema_url",
    "otel_scope_version",
)
RAY_RELABELINGS: tuple[dict[str, Any], ...] = (
    {
        "source_labels": ["__name__"],
        "regex": "ray_(reelflow_.*)",
        "target_label": "__name__",
        "replacement": "$1",
        "action": "replace",
    },
    *(
        {
            "source_labels": ["__name__"],
            "regex": "reelflow_.*",
            "target_label": label,
            "replacement": "",
            "action": "replace",
        }
        for label in RAY_EXTRA_LABELS
    ),
)

# The embedded path's registry: its own, so tests and servers see only reelflow metrics.
REGISTRY = CollectorRegistry(auto_describe=True)


class _Backend:
    """Metric objects of one backend, created on first use in this process."""

    def __init__(self, ray: bool):
        self.ray = ray
        self.objects: dict[str, Any] = {}
        self.lock = threading.Lock()

    def get(self, spec: MetricSpec) -> Any:
        with self.lock:
            if spec.name not in self.objects:
                self.objects[spec.name] = (_make_ray if self.ray else _make_prometheus)(spec)
            return self.objects[spec.name]


def _make_prometheus(spec: MetricSpec) -> Any:
    # prometheus_client appends _total itself; give it the base name.
    if spec.kind == "counter":
        return PCounter(spec.name.removesuffix("_total"), spec.help, spec.labels, registry=REGISTRY)
    if spec.kind == "gauge":
        return PGauge(spec.name, spec.help, spec.labels, registry=REGISTRY)
    return PHistogram(spec.name, spec.help, spec.labels, registry=REGISTRY, buckets=spec.buckets)


def _make_ray(spec: MetricSpec) -> Any:
    from ray.serve import metrics as serve_metrics

    kwargs: dict[str, Any] = {"description": spec.help, "tag_keys": spec.labels}
    if spec.kind == "counter":
        return serve_metrics.Counter(spec.name, **kwargs)
    if spec.kind == "gauge":
        return serve_metrics.Gauge(spec.name, **kwargs)
    return serve_metrics.Histogram(spec.name, boundaries=list(spec.buckets), **kwargs)


_backends: dict[bool, _Backend] = {}


def _in_serve_replica() -> bool:
    import sys

    if "ray.serve" not in sys.modules:  # the embedded path never imports ray
        return False
    from ray.serve import context

    return context._get_internal_replica_context() is not None


def _metric(spec: MetricSpec) -> Any:
    ray = _in_serve_replica()
    if ray not in _backends:
        _backends[ray] = _Backend(ray)
    return _backends[ray].get(spec)


def _labels(spec: MetricSpec, values: tuple[str, ...]) -> dict[str, str]:
    tags = dict(zip(spec.labels, values, strict=True))
    for key, value in tags.items():
        allowed = ALLOWED_VALUES.get(key)
        if allowed is not None and value not in allowed:
            raise ValueError(f"{spec.name}: {key}={value!r} is not one of {allowed}")
    return tags


def _inc(spec: MetricSpec, amount: float = 1.0, *values: str) -> None:
    metric, tags = _metric(spec), _labels(spec, values)
    if isinstance(metric, PCounter):
        (metric.labels(**tags) if tags else metric).inc(amount)
    else:
        metric.inc(amount, tags=tags or None)


def _observe(spec: MetricSpec, value: float, *values: str) -> None:
    metric, tags = _metric(spec), _labels(spec, values)
    if isinstance(metric, PHistogram):
        (metric.labels(**tags) if tags else metric).observe(value)
    else:
        metric.observe(value, tags=tags or None)


def _set(spec: MetricSpec, value: float, *values: str) -> None:
    metric, tags = _metric(spec), _labels(spec, values)
    if isinstance(metric, PGauge):
        (metric.labels(**tags) if tags else metric).set(value)
    else:
        metric.set(value, tags=tags or None)


# ---- the API call sites use ----------------------------------------------------------------


def record_job(state: str) -> None:
    """A job entered `state` (one of JOB_STATES)."""
    _inc(JOBS, 1.0, state)


def observe_job_seconds(state: str, seconds: float) -> None:
    """A job finished in `state` (succeeded/failed/cancelled) `seconds` after it was accepted."""
    _observe(JOB_SECONDS, seconds, state)


def observe_queue_wait(seconds: float) -> None:
    _observe(QUEUE_WAIT, seconds)


def observe_stage_seconds(stage: str, call: str, seconds: float) -> None:
    _observe(STAGE_SECONDS, seconds, stage, call)


def observe_step_seconds(branch: str, seconds: float) -> None:
    _observe(STEP_SECONDS, seconds, branch)


def observe_batch_size(stage: str, size: int) -> None:
    _observe(BATCH_SIZE, float(size), stage)


def add_video_seconds(seconds: float) -> None:
    _inc(VIDEO_SECONDS, seconds)


def record_cache(cache: str, hit: bool) -> None:
    _inc(CACHE, 1.0, cache, "hit" if hit else "miss")


def record_error(code: str) -> None:
    """`code` is a grpc.StatusCode name, e.g. "INVALID_ARGUMENT"."""
    _inc(ERRORS, 1.0, code)


def record_http(route: str, status: int, seconds: float) -> None:
    """One HTTP API answer; routes and statuses outside the fixed sets count as "other"."""
    route = route if route in HTTP_ROUTES else "other"
    code = str(status) if str(status) in HTTP_STATUSES else "other"
    _inc(HTTP_REQUESTS, 1.0, route, code)
    _observe(HTTP_SECONDS, seconds, route)


def set_jobs_queued(count: int) -> None:
    _set(JOBS_QUEUED, float(count))


# Ray gauges can only be set, so the in-flight count is kept here and set on each change.
_in_flight = 0
_in_flight_lock = threading.Lock()


@contextlib.contextmanager
def job_in_flight() -> Iterator[None]:
    """Counts a running job for as long as the block runs (exceptions included)."""
    global _in_flight
    with _in_flight_lock:
        _in_flight += 1
        _set(JOBS_IN_FLIGHT, float(_in_flight))
    try:
        yield
    finally:
        with _in_flight_lock:
            _in_flight -= 1
            _set(JOBS_IN_FLIGHT, float(_in_flight))


def record_gpu_memory(stage: str) -> None:
    """Sets the allocated CUDA memory per device; does nothing without CUDA."""
    import sys

    torch = sys.modules.get("torch")  # never import torch just for this
    if torch is None or not torch.cuda.is_available():
        return
    for index in range(torch.cuda.device_count()):
        _set(GPU_MEMORY, float(torch.cuda.memory_allocated(index)), stage, str(index))


F = TypeVar("F", bound=Callable[..., Any])


def timed_stage(stage: str, call: str) -> Callable[[F], F]:
    """Decorator for a stage deployment method (sync or async): observes its duration and,
    with CUDA, the GPU memory it left allocated."""
    _labels(STAGE_SECONDS, (stage, call))  # fail at import, not on the first request

    def wrap(function: F) -> F:
        import inspect

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                began = time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    observe_stage_seconds(stage, call, time.perf_counter() - began)
                    record_gpu_memory(stage)

            return timed_async  # type: ignore[return-value]

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                observe_stage_seconds(stage, call, time.perf_counter() - began)
                record_gpu_memory(stage)

        return timed  # type: ignore[return-value]

    return wrap


def serve_http(host: str = "127.0.0.1", port: int = 0) -> tuple[Any, int]:
    """Expose REGISTRY at http://host:port/metrics (port 0 picks one). Returns (server, port);
    stop it with `server.shutdown()`."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server, server.server_port
