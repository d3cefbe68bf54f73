"""One function that wires store, runner, keys and service together for any set of stages."""

from __future__ import annotations

from collections.abc import Callable

from reelflow.pipeline.model.presets import Preset
from reelflow.services.jobs.auth import ApiKeys
from reelflow.services.jobs.requests import LegacyReader
from reelflow.services.jobs.retry import RetryingStages, RetryPolicy
from reelflow.services.jobs.runner import JobRunner
from reelflow.services.jobs.service import JobService
from reelflow.services.jobs.settings import AuthSettings, JobSettings, WebhookSettings
from reelflow.services.jobs.store import open_store
from reelflow.services.jobs.webhooks.outbox import Outbox
from reelflow.services.jobs.webhooks.sender import WebhookSender


def assemble(
    stages,
    preset: Preset,
    jobs: JobSettings,
    auth: AuthSettings,
    worker_id: str,
    *,
    trained: bool,
    is_transient: Callable[[BaseException], bool],
    webhooks: WebhookSettings | None = None,
    legacy: LegacyReader | None = None,
) -> JobService:
    """Call on the event loop that will serve; start with `service.runner.start()` (which
    starts the webhook sender too). `legacy` reads job requests stored in format 1."""
    webhooks = webhooks or WebhookSettings()
    store = open_store(jobs.url, jobs.root, legacy)
    policy = RetryPolicy(jobs.stage_timeout_s, jobs.stage_retries, is_transient)
    sender = WebhookSender(Outbox(store.database), webhooks)
    runner = JobRunner(store, jobs, RetryingStages(stages, policy), preset, worker_id, sender)
    return JobService(store, runner, ApiKeys(auth), jobs, preset, trained, webhooks)
