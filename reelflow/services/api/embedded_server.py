"""`reelflow serve --embedded`: the public API on a grpc.aio server in this process, with the
stages as local objects. No Ray: the same job service, store and schedule as the Serve path.
TLS is terminated here when a certificate and key are given."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.services.api.grpc_handlers import aio_stream, aio_unary
from reelflow.services.config import ServeConfig
from reelflow.services.jobs.assemble import assemble
from reelflow.services.jobs.service import JobService
from reelflow.v1 import generation_pb2, generation_pb2_grpc

SERVICE = generation_pb2.DESCRIPTOR.services_by_name["VideoGeneration"].full_name


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path  # PEM chain
    private_key: Path  # PEM

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.private_key.read_bytes(), self.certificate.read_bytes())]
        )


class Servicer(generation_pb2_grpc.VideoGenerationServicer):
    def __init__(self, service: JobService):
        self.service = service

    async def Generate(self, request, context):
        async for item in aio_stream(self.service.generate, request, context):
            yield item

    async def SubmitJob(self, request, context):
        return await aio_unary(self.service.submit_job, request, context)

    async def GetJob(self, request, context):
        return await aio_unary(self.service.get_job, request, context)

    async def WatchJob(self, request, context):
        async for item in aio_stream(self.service.watch_job, request, context):
            yield item

    async def CancelJob(self, request, context):
        return await aio_unary(self.service.cancel_job, request, context)

    async def FetchVideo(self, request, context):
        async for item in aio_stream(self.service.fetch_video, request, context):
            yield item

    async def ListJobs(self, request, context):
        return await aio_unary(self.service.list_jobs, request, context)

    async def GetCapabilities(self, request, context):
        return await aio_unary(self.service.get_capabilities, request, context)


@dataclass
class EmbeddedServer:
    server: grpc.aio.Server
    service: JobService
    port: int

    async def stop(self, grace_s: float = 1.0) -> None:
        await self.server.stop(grace_s)
        await self.service.runner.stop()
        self.service.store.close()


async def start_embedded(
    config: ServeConfig,
    host: str = "127.0.0.1",
    port: int | None = None,
    tls: TlsFiles | None = None,
    stages=None,
) -> EmbeddedServer:
    """Serve on host:port (0 picks a free port). `stages` defaults to LocalStages."""
    preset = get_preset(config.preset)
    checkpoint = resolve_checkpoint(config.checkpoint or None)
    stages = stages or LocalStages(preset, checkpoint)
    service = assemble(
        stages,
        preset,
        config.jobs,
        config.auth,
        worker_id=f"embedded-{uuid.uuid4().hex[:8]}",
        trained=bool(getattr(stages, "trained", False)),
        is_transient=lambda error: False,
    )
    limit = config.max_message_bytes
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", limit),
        ]
    )
    generation_pb2_grpc.add_VideoGenerationServicer_to_server(Servicer(service), server)
    health_servicer = health.aio.HealthServicer()
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    await health_servicer.set(SERVICE, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (
            SERVICE,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    address = f"{host}:{config.grpc_port if port is None else port}"
    bound = (
        server.add_secure_port(address, tls.credentials())
        if tls
        else server.add_insecure_port(address)
    )
    await server.start()
    service.runner.start()
    return EmbeddedServer(server=server, service=service, port=bound)
