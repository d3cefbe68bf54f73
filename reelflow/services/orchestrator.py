"""Orchestrator deployment: the gRPC ingress. Validates a request at the boundary, drives the
generation schedule over the stage deployments, and streams progress and the result."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import grpc
from grpc_health.v1 import health_pb2
from ray import serve
from ray.serve.grpc_util import RayServegRPCContext
from ray.serve.handle import DeploymentHandle

from reelflow.pipeline.plan import ScriptError
from reelflow.pipeline.presets import get_preset
from reelflow.pipeline.request import prepare
from reelflow.pipeline.schedule import Progress, generate
from reelflow.services import metrics
from reelflow.services.api import invalid_argument, request_from_proto, result_to_proto
from reelflow.services.remote_stages import RemoteStages
from reelflow.v1 import generation_pb2

logger = logging.getLogger("ray.serve")


@serve.deployment(name="Orchestrator")
class Orchestrator:
    def __init__(
        self,
        encoder: DeploymentHandle,
        spatial: DeploymentHandle,
        temporal: DeploymentHandle,
        audio: DeploymentHandle,
        muxer: DeploymentHandle,
        preset: str,
    ):
        self.preset = get_preset(preset)
        self.handles = (encoder, spatial, temporal, audio, muxer)

    async def Generate(  # the gRPC method name
        self, request: generation_pb2.GenerateRequest, grpc_context: RayServegRPCContext
    ):
        try:
            prepared = prepare(request_from_proto(request), self.preset)
        except ScriptError as error:
            metrics.record_job("rejected")
            metrics.record_error("INVALID_ARGUMENT")
            details, trailing = invalid_argument(error)
            grpc_context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
            grpc_context.set_details(details)
            grpc_context.set_trailing_metadata(trailing)
            # Serve's proxy copies the context onto the call only with a streamed message, so
            # one empty event carries the status; raising instead would drop the field details.
            yield generation_pb2.GenerateEvent()
            return
        job_id = uuid.uuid4().hex
        plan = prepared.plan
        began, state = time.perf_counter(), "cancelled"  # stays so if the client goes away
        metrics.record_job("running")
        yield generation_pb2.GenerateEvent(
            accepted=generation_pb2.Accepted(
                job_id=job_id,
                num_frames=plan.num_frames,
                num_shots=len(plan.shots),
                seed=prepared.options.seed,
            )
        )
        events: asyncio.Queue[Progress | None] = asyncio.Queue()
        task = asyncio.create_task(
            generate(
                plan, prepared.options, RemoteStages(*self.handles), self.preset, events.put_nowait
            )
        )
        task.add_done_callback(lambda _: events.put_nowait(None))
        try:
            with metrics.job_in_flight():
                while (event := await events.get()) is not None:
                    yield generation_pb2.GenerateEvent(
                        progress=generation_pb2.Progress(
                            stage=event.stage,
                            step=event.step,
                            total=event.total,
                            elapsed_s=event.elapsed_s,
                        )
                    )
                result = task.result()
            state = "succeeded"
            metrics.add_video_seconds(plan.num_frames / plan.fps)
        except Exception:
            state = "failed"
            metrics.record_error("INTERNAL")
            logger.exception("job %s failed", job_id)
            grpc_context.set_code(grpc.StatusCode.INTERNAL)
            grpc_context.set_details(f"generation failed (job {job_id}); see the server log")
            return
        finally:
            task.cancel()  # a client that went away stops the job within one step
            metrics.record_job(state)
            metrics.observe_job_seconds(state, time.perf_counter() - began)
            if state == "cancelled":
                metrics.record_error("CANCELLED")
        yield generation_pb2.GenerateEvent(result=result_to_proto(result, prepared))

    async def Check(  # grpc.health.v1.Health/Check
        self, request: health_pb2.HealthCheckRequest
    ) -> health_pb2.HealthCheckResponse:
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)
