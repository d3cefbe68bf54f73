"""Orchestrator deployment: the ingress. A thin adapter from the Serve gRPC proxy, and from the
Serve HTTP proxy (the OpenAI-compatible API of api/http, as this deployment's ASGI app), to the
job service (reelflow/services/jobs), whose runner drives the generation schedule over the
stage deployments. Job records and videos live in the store, outside the replica."""

from __future__ import annotations

import logging
import uuid

from grpc_health.v1 import health_pb2
from ray import serve
from ray.exceptions import ActorUnavailableError, RayActorError
from ray.serve.exceptions import (
    BackPressureError,
    DeploymentUnavailableError,
    ReplicaUnavailableError,
)
from ray.serve.grpc_util import RayServegRPCContext
from ray.serve.handle import DeploymentHandle

from reelflow.pipeline.ltx2.generate import LTX2Family
from reelflow.pipeline.ltx2.snapshot import open_snapshot
from reelflow.pipeline.ltx2.stages import LTX2Stages
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.pipeline.parallel.ranks import RanksLost
from reelflow.services.api.grpc.handlers import serve_stream, serve_unary
from reelflow.services.config import ModelConfig
from reelflow.services.deployments.ltx2_remote import RemoteLTX2Calls
from reelflow.services.deployments.remote_stages import RemoteStages
from reelflow.services.hosts.assembly import build_api
from reelflow.services.jobs.settings import AuthSettings, JobSettings, WebhookSettings
from reelflow.v1 import generation_pb2

logger = logging.getLogger("ray.serve")
_TRANSIENT = (
    RayActorError,  # the replica died mid-call (ActorDiedError is a subclass)
    ActorUnavailableError,
    BackPressureError,
    DeploymentUnavailableError,
    ReplicaUnavailableError,
    RanksLost,  # a rank of a multi-device replica died: its health check fails, Serve replaces it
)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, _TRANSIENT)


def ltx2_family(model: ModelConfig, stages: dict[str, DeploymentHandle]) -> LTX2Family:
    """LTX-2 over its deployments. This replica loads no network: the snapshot's configs,
    scheduler and tokenizer are all the loop needs here (to check requests, draw the noise
    and step the schedule)."""
    skeleton = LTX2Stages(open_snapshot(model.path, model.dtype, networks=()))
    calls = RemoteLTX2Calls(stages["PromptEncoder"], stages["JointStage"], stages["Muxer"])
    return LTX2Family(skeleton, calls)


def _trained(checkpoint: str) -> bool:
    try:
        return resolve_checkpoint(checkpoint or None) is not None
    except FileNotFoundError:  # the stage deployments report a missing file
        return False


@serve.deployment(name="Orchestrator")
@serve.ingress()  # the HTTP app is built per replica, over its job service (below)
class Orchestrator:
    async def __init__(
        self,
        stages: dict[str, DeploymentHandle],
        preset: str,
        jobs: JobSettings | None = None,
        auth: AuthSettings | None = None,
        checkpoint: str = "",
        webhooks: WebhookSettings | None = None,
        max_request_bytes: int = 64 * 2**20,
        model: ModelConfig | None = None,
    ):
        """`stages`: the served family's stage deployments by name (config.FAMILY_STAGES)."""
        try:
            replica = serve.get_replica_context().replica_id.unique_id
        except Exception:  # outside a replica (unit use)
            replica = "local"
        model = model or ModelConfig()
        remote, family = None, None
        if model.family == "ltx2":
            family = ltx2_family(model, stages)
        else:
            names = ("PromptEncoder", "SpatialStage", "TemporalStage", "AudioStage", "Muxer")
            remote = RemoteStages(*(stages[name] for name in names))
        self.hosted = build_api(
            remote,
            get_preset(preset),
            jobs or JobSettings(),
            auth or AuthSettings(),
            webhooks or WebhookSettings(),
            worker_id=f"{replica}-{uuid.uuid4().hex[:8]}",
            trained=family is not None or _trained(checkpoint),
            is_transient=is_transient,
            family=family,
        )
        self.api = self.hosted.grpc
        self._max_request_bytes = max_request_bytes
        self.hosted.start()

    def __serve_build_asgi_app__(self):
        return self.hosted.http_app(self._max_request_bytes)

    async def Generate(self, request: generation_pb2.GenerateRequest, grpc_context):
        async for event in serve_stream(
            self.api.generate, request, grpc_context, generation_pb2.GenerateEvent
        ):
            yield event

    async def SubmitJob(self, request, grpc_context: RayServegRPCContext):
        return await serve_unary(self.api.submit_job, request, grpc_context, generation_pb2.Job)

    async def GetJob(self, request, grpc_context: RayServegRPCContext):
        return await serve_unary(self.api.get_job, request, grpc_context, generation_pb2.Job)

    async def CancelJob(self, request, grpc_context: RayServegRPCContext):
        return await serve_unary(self.api.cancel_job, request, grpc_context, generation_pb2.Job)

    async def ListJobs(self, request, grpc_context: RayServegRPCContext):
        return await serve_unary(
            self.api.list_jobs, request, grpc_context, generation_pb2.ListJobsResponse
        )

    async def GetCapabilities(self, request, grpc_context: RayServegRPCContext):
        return await serve_unary(
            self.api.get_capabilities, request, grpc_context, generation_pb2.Capabilities
        )

    async def WatchJob(self, request, grpc_context: RayServegRPCContext):
        async for job in serve_stream(
            self.api.watch_job, request, grpc_context, generation_pb2.Job
        ):
            yield job

    async def FetchVideo(self, request, grpc_context: RayServegRPCContext):
        async for chunk in serve_stream(
            self.api.fetch_video, request, grpc_context, generation_pb2.VideoChunk
        ):
            yield chunk

    async def Check(  # grpc.health.v1.Health/Check
        self, request: health_pb2.HealthCheckRequest
    ) -> health_pb2.HealthCheckResponse:
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    def __del__(self) -> None:
        self.hosted.service.store.close()
