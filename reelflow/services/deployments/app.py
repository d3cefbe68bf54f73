"""The Ray Serve application: five stage deployments behind the Orchestrator ingress, each
with the replicas, resources and concurrency the serving config gives it.

Import path for serve configs / KubeRay: `reelflow.services.deployments.app:build_app`, with
the serving config (serve_config.yaml's structure) as its args.
"""

from __future__ import annotations

from typing import Any

from ray.serve import Application

from reelflow.services.config import ServeConfig, parse_config
from reelflow.services.deployments.audio_gen import AudioGen
from reelflow.services.deployments.muxer import Muxer
from reelflow.services.deployments.orchestrator import Orchestrator
from reelflow.services.deployments.prompt_encoder import PromptEncoder
from reelflow.services.deployments.spatial_dit import SpatialDiT
from reelflow.services.deployments.temporal_rayflow import TemporalRayFlow

SERVICER_FUNCTIONS = [
    "reelflow.v1.generation_pb2_grpc.add_VideoGenerationServicer_to_server",
    "grpc_health.v1.health_pb2_grpc.add_HealthServicer_to_server",
]


def build(config: ServeConfig) -> Application:
    def configured(deployment, name: str):
        return deployment.options(**config.deployment(name).serve_options())

    preset, checkpoint, batching = config.preset, config.checkpoint, config.batching

    def branch(deployment, name: str):
        d = config.deployment(name)  # its ranks take the replica's own actor options
        return configured(deployment, name).bind(
            preset, checkpoint, batching, d.parallel, dict(d.ray_actor_options)
        )

    return configured(Orchestrator, "Orchestrator").bind(
        configured(PromptEncoder, "PromptEncoder").bind(preset, checkpoint),
        branch(SpatialDiT, "SpatialDiT"),
        branch(TemporalRayFlow, "TemporalRayFlow"),
        branch(AudioGen, "AudioGen"),
        configured(Muxer, "Muxer").bind(preset, checkpoint),
        preset,
        config.jobs,
        config.auth,
        checkpoint,
        config.webhooks,
        config.max_message_bytes,
    )


def build_app(args: dict[str, Any]) -> Application:
    """Application builder for `serve run` / serveConfigV2: args is the serving config."""
    return build(parse_config(args))
