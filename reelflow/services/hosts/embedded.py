"""`reelflow serve --embedded`: the public API on a grpc.aio server in this process, with the
stages as local objects, and the OpenAI-compatible HTTP API (api/http) on uvicorn beside it.
No Ray: the same job service, store and schedule as the Serve path. TLS is terminated here
(on both ports) when a certificate and key are given."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import uvicorn
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.services.api.grpc.handlers import aio_stream, aio_unary
from reelflow.services.api.grpc.methods import VideoGenerationMethods
from reelflow.services.config import ServeConfig
from reelflow.services.hosts.assembly import HostedApi, build_api
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
    def __init__(self, methods: VideoGenerationMethods):
        self.service = methods

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


def _family(config: ServeConfig):
    """The LTX-2 family when the config names it (its snapshot loaded once, checked), else None:
    the preset's own model."""
    if config.model.family != "ltx2":
        return None
    from reelflow.pipeline.ltx2.generate import LTX2Family
    from reelflow.pipeline.ltx2.snapshot import open_snapshot
    from reelflow.pipeline.ltx2.stages import LTX2Stages

    return LTX2Family(LTX2Stages(open_snapshot(config.model.path, config.model.dtype)))


@dataclass
class HttpServer:
    server: uvicorn.Server
    task: asyncio.Task
    port: int

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 10)


async def _start_http(
    hosted: HostedApi, config: ServeConfig, host: str, port: int, tls: TlsFiles | None
) -> HttpServer:
    app = hosted.http_app(config.max_message_bytes)
    listener = socket.create_server((host, port))  # bound here so port 0 reports its port
    settings = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ssl_certfile=str(tls.certificate) if tls else None,
        ssl_keyfile=str(tls.private_key) if tls else None,
    )
    server = uvicorn.Server(settings)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
        await asyncio.sleep(0.01)
    return HttpServer(server, task, listener.getsockname()[1])


@dataclass
class EmbeddedServer:
    server: grpc.aio.Server
    hosted: HostedApi
    port: int
    http: HttpServer | None = None

    @property
    def service(self) -> JobService:
        return self.hosted.service

    @property
    def http_port(self) -> int | None:
        return None if self.http is None else self.http.port

    async def stop(self, grace_s: float = 1.0) -> None:
        if self.http is not None:
            await self.http.stop()
        await self.server.stop(grace_s)
        await self.hosted.stop()


async def start_embedded(
    config: ServeConfig,
    host: str = "127.0.0.1",
    port: int | None = None,
    tls: TlsFiles | None = None,
    stages=None,
    http_port: int | None = None,
) -> EmbeddedServer:
    """Serve gRPC on host:port and, when `http_port` is given, the HTTP API on host:http_port
    (0 picks a free port for either). `stages` defaults to LocalStages."""
    preset, family = get_preset(config.preset), _family(config)
    if family is None:
        stages = stages or LocalStages(preset, resolve_checkpoint(config.checkpoint or None))
    hosted = build_api(
        stages,
        preset,
        config.jobs,
        config.auth,
        config.webhooks,
        worker_id=f"embedded-{uuid.uuid4().hex[:8]}",
        trained=family is not None or bool(getattr(stages, "trained", False)),
        is_transient=lambda error: False,
        family=family,
    )
    limit = config.max_message_bytes
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", limit),
        ]
    )
    generation_pb2_grpc.add_VideoGenerationServicer_to_server(Servicer(hosted.grpc), server)
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
    http = None if http_port is None else await _start_http(hosted, config, host, http_port, tls)
    hosted.start()
    return EmbeddedServer(server=server, hosted=hosted, port=bound, http=http)
