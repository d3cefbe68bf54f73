"""The embedded grpc.aio server (and, with `http=True`, the HTTP API) on loopback in a
background thread, for tests."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

from reelflow.services.config import ModelConfig, load_config
from reelflow.services.hosts.embedded import start_embedded
from reelflow.services.jobs.settings import AuthSettings, JobSettings, WebhookSettings


class ServerThread:
    def __init__(
        self,
        stages,
        jobs: JobSettings,
        auth: AuthSettings | None = None,
        tls=None,
        *,
        http: bool = False,
        webhooks: WebhookSettings | None = None,
        model: ModelConfig | None = None,
    ):
        config = replace(
            load_config(),
            checkpoint="none",
            jobs=jobs,
            auth=auth or AuthSettings(),
            webhooks=webhooks or WebhookSettings(),
            model=model or ModelConfig(),
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._run(
            start_embedded(config, port=0, stages=stages, tls=tls, http_port=0 if http else None)
        )
        self.address = f"127.0.0.1:{self.server.port}"
        self.http_url = f"http://127.0.0.1:{self.server.http_port}" if http else None
        self.store = self.server.service.store

    def _run(self, coroutine, timeout_s: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout_s)

    def stop(self) -> None:
        self._run(self.server.stop(0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def __enter__(self) -> ServerThread:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
