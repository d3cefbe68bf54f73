"""The one function both hosts (Ray Serve's Orchestrator, the embedded server) build their API
with, for any set of stages: store, runner, keys and job service, and over the service the
gRPC methods and the HTTP app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

from reelflow.pipeline.ltx2.generate import LTX2Family
from reelflow.pipeline.model.presets import Preset
from reelflow.services.api.grpc.messages import read_stored_v1
from reelflow.services.api.grpc.methods import VideoGenerationMethods
from reelflow.services.api.http.app import build_http_app
from reelflow.services.jobs.auth import ApiKeys
from reelflow.services.jobs.retry import RetryingStages, RetryPolicy
from reelflow.services.jobs.runner import JobRunner
from reelflow.services.jobs.service import JobService
from reelflow.services.jobs.settings import AuthSettings, JobSettings, WebhookSettings
from reelflow.services.jobs.store import open_store
from reelflow.services.jobs.webhooks.outbox import Outbox
from reelflow.services.jobs.webhooks.sender import WebhookSender


@dataclass(frozen=True, eq=False)
class HostedApi:
    service: JobService
    grpc: VideoGenerationMethods

    def http_app(self, max_request_bytes: int) -> FastAPI:
        return build_http_app(self.service, max_request_bytes)

    def start(self) -> None:
        """The runner's loops and the webhook sender, on the running event loop."""
        self.service.runner.start()

    async def stop(self) -> None:
        await self.service.runner.stop()
        self.service.store.close()


def build_api(
    stages,
    preset: Preset,
    jobs: JobSettings,
    auth: AuthSettings,
    webhooks: WebhookSettings,
    *,
    worker_id: str,
    trained: bool,
    is_transient: Callable[[BaseException], bool],
    family: LTX2Family | None = None,
) -> HostedApi:
    """Call on the event loop that will serve, then `start()`. Job requests stored in format 1
    (before jobs/requests.py) are read by the gRPC layer, which knows that message. `family`:
    another model family served instead of the preset's own model over `stages`."""
    store = open_store(jobs.url, jobs.root, legacy=read_stored_v1)
    policy = RetryPolicy(jobs.stage_timeout_s, jobs.stage_retries, is_transient)
    sender = WebhookSender(Outbox(store.database), webhooks)
    retrying = RetryingStages(stages, policy)
    if family is not None:
        family = family.with_calls(lambda calls: RetryingStages(calls, policy))
    runner = JobRunner(store, jobs, retrying, preset, worker_id, sender, family)
    service = JobService(store, runner, ApiKeys(auth), jobs, preset, trained, webhooks, family)
    return HostedApi(service, VideoGenerationMethods(service))
