"""The serving config: one YAML file, parsed into frozen dataclasses and checked on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.services.jobs.settings import (
    AuthSettings,
    JobSettings,
    WebhookSettings,
    parse_section,
)

DEFAULT_CONFIG = Path(__file__).resolve().parent / "serve_config.yaml"
STAGE_NAMES = (
    "Orchestrator",
    "PromptEncoder",
    "SpatialStage",
    "TemporalStage",
    "AudioStage",
    "JointStage",
    "Muxer",
)
# The deployments each model family runs. LTX-2 is one transformer that denoises video and
# audio together (JointStage): it has no separate spatial, temporal and audio branches to split.
FAMILY_STAGES = {
    "reelflow-tiny": (
        "Orchestrator",
        "PromptEncoder",
        "SpatialStage",
        "TemporalStage",
        "AudioStage",
        "Muxer",
    ),
    "ltx2": ("Orchestrator", "PromptEncoder", "JointStage", "Muxer"),
}
PARALLEL_STAGES = {"SpatialStage": "spatial", "TemporalStage": "temporal", "AudioStage": "audio"}
# Deployment names before they described the role (they were the network classes' names):
# a config that still uses one is refused with the new name.
RENAMED_STAGES = {
    "SpatialDiT": "SpatialStage",
    "TemporalRayFlow": "TemporalStage",
    "AudioGen": "AudioStage",
}
# A replica whose ranks are Ray actors is checked this often: a dead rank is found (and the
# whole group replaced) within about this long, where Serve's default is 10 s.
PARALLEL_HEALTH_CHECK_PERIOD_S = 2.0
_ACTOR_KEYS = {"num_cpus", "num_gpus", "memory", "resources", "accelerator_type"}
_AUTOSCALING_KEYS = {
    "min_replicas",
    "max_replicas",
    "initial_replicas",
    "target_ongoing_requests",
    "upscale_delay_s",
    "downscale_delay_s",
}


def check_stage_name(name: str, where: str) -> None:
    """Raises ValueError for a name that is not a stage, saying the new name of a renamed one."""
    if name in RENAMED_STAGES:
        raise ValueError(
            f"{where}: the {name} deployment is now called {RENAMED_STAGES[name]} "
            "(stage deployments are named by their role, not by their network)"
        )
    if name not in STAGE_NAMES:
        raise ValueError(f"{where}: unknown stage {name!r}; known: {', '.join(STAGE_NAMES)}")


@dataclass(frozen=True)
class DeploymentConfig:
    name: str
    num_replicas: int | None = 1
    max_ongoing_requests: int = 4
    ray_actor_options: dict[str, Any] = field(default_factory=dict)
    autoscaling_config: dict[str, Any] | None = None
    # one replica spans parallel.degree ranks, each with ray_actor_options' resources
    parallel: ParallelConfig = field(default_factory=ParallelConfig)

    def __post_init__(self) -> None:
        where = f"deployments.{self.name}"
        check_stage_name(self.name, where)
        if self.parallel.degree > 1 and self.name not in PARALLEL_STAGES:
            raise ValueError(
                f"{where}.parallel: only {', '.join(PARALLEL_STAGES)} run on several devices"
            )
        if (self.num_replicas is None) == (self.autoscaling_config is None):
            raise ValueError(f"{where}: set exactly one of num_replicas and autoscaling_config")
        if self.num_replicas is not None and (
            not isinstance(self.num_replicas, int) or self.num_replicas < 1
        ):
            raise ValueError(f"{where}.num_replicas must be an integer >= 1")
        if not isinstance(self.max_ongoing_requests, int) or self.max_ongoing_requests < 1:
            raise ValueError(f"{where}.max_ongoing_requests must be an integer >= 1")
        unknown = set(self.ray_actor_options) - _ACTOR_KEYS
        if unknown:
            raise ValueError(f"{where}.ray_actor_options: unknown keys {sorted(unknown)}")
        for key in ("num_cpus", "num_gpus"):
            value = self.ray_actor_options.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{where}.ray_actor_options.{key} must be a number >= 0")
        if self.autoscaling_config is not None:
            unknown = set(self.autoscaling_config) - _AUTOSCALING_KEYS
            if unknown:
                raise ValueError(f"{where}.autoscaling_config: unknown keys {sorted(unknown)}")
            low = self.autoscaling_config.get("min_replicas", 1)
            high = self.autoscaling_config.get("max_replicas", 1)
            if not (
                isinstance(low, int) and isinstance(high, int) and 0 <= low <= high and high >= 1
            ):
                raise ValueError(
                    f"{where}.autoscaling_config: need 0 <= min_replicas <= max_replicas, >= 1"
                )

    def serve_options(self) -> dict[str, Any]:
        """Keyword arguments for `Deployment.options` / a serveConfigV2 deployment entry."""
        options: dict[str, Any] = {
            "max_ongoing_requests": self.max_ongoing_requests,
            "ray_actor_options": dict(self.ray_actor_options),
        }
        if self.autoscaling_config is not None:
            options["autoscaling_config"] = dict(self.autoscaling_config)
        else:
            options["num_replicas"] = self.num_replicas
        if self.parallel.degree > 1:
            # rank 0 (the replica) takes bundle 0, rank i bundle i; STRICT_PACK keeps the
            # group on one node, where its collectives run over local links
            options["placement_group_bundles"] = [self.rank_bundle()] * self.parallel.degree
            options["placement_group_strategy"] = "STRICT_PACK"
            options["health_check_period_s"] = PARALLEL_HEALTH_CHECK_PERIOD_S
        return options

    def rank_bundle(self) -> dict[str, float]:
        """The resources of one rank, as a placement group bundle."""
        opts = self.ray_actor_options
        bundle = {"CPU": opts.get("num_cpus", 1), "GPU": opts.get("num_gpus", 0)}
        bundle.update(opts.get("resources", {}))
        return {name: amount for name, amount in bundle.items() if amount}

    def check_heads(self, preset: str) -> None:
        if self.parallel.degree > 1:
            branch = PARALLEL_STAGES[self.name]
            heads = getattr(get_preset(preset), branch).heads
            try:
                self.parallel.check_heads(heads, branch)
            except ValueError as error:
                raise ValueError(f"deployments.{self.name}.{error}") from None


@dataclass(frozen=True)
class BatchSettings:
    """Step-level batching in the branch deployments (`@serve.batch`): velocity calls of
    different jobs that arrive within `batch_wait_timeout_s` run as one forward pass."""

    max_batch_size: int = 8  # 1 turns batching off
    batch_wait_timeout_s: float = 0.005

    def __post_init__(self) -> None:
        if not isinstance(self.max_batch_size, int) or not 1 <= self.max_batch_size <= 64:
            raise ValueError("batching.max_batch_size must be an integer in [1, 64]")
        if not 0 <= self.batch_wait_timeout_s <= 1:
            raise ValueError("batching.batch_wait_timeout_s must be in [0, 1] seconds")


FAMILIES = tuple(FAMILY_STAGES)


@dataclass(frozen=True)
class ModelConfig:
    """Which model family is served: reelflow's own (the preset and checkpoint above) or LTX-2
    from a diffusers snapshot directory (`path`), in `dtype`."""

    family: str = "reelflow-tiny"
    path: str = ""
    dtype: str = "bfloat16"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(
                f"model.family must be one of {', '.join(FAMILIES)}, got {self.family!r}"
            )
        if self.family == "ltx2" and not self.path:
            raise ValueError("model.family ltx2 needs model.path: a diffusers snapshot directory")
        if self.dtype not in ("bfloat16", "float16", "float32"):
            raise ValueError(
                f"model.dtype must be bfloat16, float16 or float32, got {self.dtype!r}"
            )


@dataclass(frozen=True)
class ServeConfig:
    preset: str = "tiny"
    checkpoint: str = ""
    grpc_port: int = 9000
    http_port: int = 8000
    max_message_bytes: int = 64 * 1024 * 1024
    deployments: tuple[DeploymentConfig, ...] = ()
    jobs: JobSettings = field(default_factory=JobSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    batching: BatchSettings = field(default_factory=BatchSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    model: ModelConfig = field(default_factory=ModelConfig)

    def __post_init__(self) -> None:
        get_preset(self.preset)  # raises for an unknown preset
        for port in (self.grpc_port, self.http_port):
            if not 0 <= port < 65536:
                raise ValueError(f"port {port} is out of range")
        if self.max_message_bytes < 4 * 1024 * 1024:
            raise ValueError("max_message_bytes must be at least 4 MiB")
        names = [d.name for d in self.deployments]
        missing = set(self.stages) - set(names)
        if missing or len(names) != len(set(names)):
            raise ValueError(
                f"deployments must list each stage of model.family {self.model.family} once; "
                f"missing {sorted(missing)}"
            )
        for deployment in self.deployments:
            deployment.check_heads(self.preset)

    @property
    def stages(self) -> tuple[str, ...]:
        """The deployments the served family runs (the config may list others' too)."""
        return FAMILY_STAGES[self.model.family]

    def deployment(self, name: str) -> DeploymentConfig:
        return next(d for d in self.deployments if d.name == name)

    def app_args(self) -> dict[str, Any]:
        """What the application builder needs (see app.build_app)."""
        return {"preset": self.preset, "checkpoint": self.checkpoint}


def parse_config(raw: dict[str, Any]) -> ServeConfig:
    raw = dict(raw)
    deployments = raw.pop("deployments", None) or {}
    if not isinstance(deployments, dict):
        raise ValueError("deployments must be a mapping of stage name to settings")
    jobs = parse_section(JobSettings, raw.pop("jobs", None), "jobs")
    auth = parse_section(AuthSettings, raw.pop("auth", None), "auth")
    batching = parse_section(BatchSettings, raw.pop("batching", None), "batching")
    webhooks = parse_section(WebhookSettings, raw.pop("webhooks", None), "webhooks")
    model = parse_section(ModelConfig, raw.pop("model", None), "model")
    unknown = set(raw) - {"preset", "checkpoint", "grpc_port", "http_port", "max_message_bytes"}
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}")
    entries = []
    for name, settings in deployments.items():
        settings = dict(settings or {})
        if "autoscaling_config" in settings:
            settings.setdefault("num_replicas", None)  # autoscaling replaces a fixed count
        settings["parallel"] = ParallelConfig.parse(
            settings.get("parallel"), f"deployments.{name}.parallel"
        )
        entries.append(DeploymentConfig(name=name, **settings))
    return ServeConfig(
        **raw,
        deployments=tuple(entries),
        jobs=jobs,
        auth=auth,
        batching=batching,
        webhooks=webhooks,
        model=model,
    )


def load_config(path: Path | str | None = None) -> ServeConfig:
    with open(path or DEFAULT_CONFIG) as handle:
        raw = yaml.safe_load(handle) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return parse_config(raw)
