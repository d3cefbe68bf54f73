"""The Ray Serve application: the served model family's stage deployments (one
StageDeployment class, bound once per role of roles.FAMILY_ROLES) behind the Orchestrator
ingress, each with the replicas, resources and concurrency the serving config gives it.

Import path for serve configs / KubeRay: `reelflow.services.hosts.ray.app:build_app`, with
the serving config (serve_config.yaml's structure) as its args.
"""

from __future__ import annotations

from typing import Any

from ray.serve import Application

from reelflow.services.config import ServeConfig, parse_config
from reelflow.services.deployments.stage import StageDeployment
from reelflow.services.hosts.ray.orchestrator import Orchestrator

SERVICER_FUNCTIONS = [
    "reelflow.v1.generation_pb2_grpc.add_VideoGenerationServicer_to_server",
    "grpc_health.v1.health_pb2_grpc.add_HealthServicer_to_server",
]


def build(config: ServeConfig) -> Application:
    preset, checkpoint, model = config.preset, config.checkpoint, config.model

    def stage(role: str):
        """The generic stage deployment as `role`, under the role's name."""
        d = config.deployment(role)  # its ranks take the replica's own actor options
        return StageDeployment.options(name=role, **d.serve_options()).bind(
            role, preset, checkpoint, config.batching, d.parallel, dict(d.ray_actor_options), model
        )

    stages = {role: stage(role) for role in config.stages if role != "Orchestrator"}
    return Orchestrator.options(**config.deployment("Orchestrator").serve_options()).bind(
        stages,
        preset,
        config.jobs,
        config.auth,
        checkpoint,
        config.webhooks,
        config.max_message_bytes,
        model,
    )


def build_app(args: dict[str, Any]) -> Application:
    """Application builder for `serve run` / serveConfigV2: args is the serving config."""
    return build(parse_config(args))
