"""Delivers the outbox: POSTs each due event to its callback URL with Standard Webhooks
headers, marks it delivered on a 2xx answer, otherwise tries again after an exponential
backoff until `max_attempts`. Runs in every process that runs jobs; the outbox lease keeps two
senders off one event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from reelflow.services.jobs.settings import WebhookSettings
from reelflow.services.jobs.webhooks import payload, signing
from reelflow.services.jobs.webhooks.outbox import Event, Outbox
from reelflow.services.jobs.webhooks.targets import host_allowed

logger = logging.getLogger("reelflow.webhooks")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would send the request to a host the allow-list never saw.
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    for name, value in {**headers, "content-type": "application/json"}.items():
        request.add_header(name, value)
    request.add_header("user-agent", "reelflow-webhooks/1")
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class WebhookSender:
    def __init__(self, outbox: Outbox, settings: WebhookSettings):
        self.outbox, self.settings = outbox, settings
        self.delivered = 0  # acknowledged deliveries, for tests and logs
        self._stopping = False
        self._wake: asyncio.Event | None = None  # made on the loop that runs the sender

    def stop(self) -> None:
        self._stopping = True

    def wake(self) -> None:
        """Look now: this process just changed a job's state (others' changes are polled)."""
        if self._wake is not None:
            self._wake.set()

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`, with 10% jitter so retries don't align."""
        base = min(self.settings.max_backoff_s, self.settings.backoff_s * 2 ** (attempts - 1))
        return base * (1 + 0.1 * random.random())

    async def run(self) -> None:
        lease = self.settings.timeout_s + 5.0
        self._wake = asyncio.Event()
        while not self._stopping:
            events: list[Event] = []
            try:
                events = await asyncio.to_thread(self.outbox.take_due, time.time(), lease)
                await asyncio.gather(*(self._deliver(event) for event in events))
            except Exception:
                logger.exception("delivering webhooks failed")
            if not events:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_s)
                self._wake.clear()

    async def _deliver(self, event: Event) -> None:
        settings = self.settings
        error = ""
        host = urlsplit(event.url).hostname or ""
        if not host_allowed(host, settings.allowed_hosts):
            error = "host no longer in webhooks.allowed_hosts"
        elif not settings.secret:
            error = "no webhook secret configured"
        else:
            body = payload.body(event)
            headers = signing.headers(
                signing.secret_key(settings.secret), event.event_id, int(time.time()), body
            )
            try:
                status = await asyncio.to_thread(
                    _post, event.url, body, headers, settings.timeout_s
                )
                if 200 <= status < 300:
                    await asyncio.to_thread(self.outbox.delivered, event.event_id, time.time())
                    self.delivered += 1
                    return
                error = f"HTTP {status}"
            except (OSError, ValueError) as failure:  # refused, timed out, reset, bad URL
                error = f"{type(failure).__name__}: {failure}"
        attempts = event.attempts + 1
        retry_at = None
        if attempts < settings.max_attempts and not error.startswith(("host", "no webhook")):
            retry_at = time.time() + self.backoff(attempts)
        logger.warning("webhook %s attempt %d failed: %s", event.event_id, attempts, error)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.outbox.failed, event.event_id, error, retry_at)
