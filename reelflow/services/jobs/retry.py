"""Stage calls with a timeout and retries. Stages are stateless between calls (DESIGN.md), so a
call that failed because its replica died, or that hung, is simply made again; the next attempt
goes to whichever replica the router picks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("reelflow.jobs")

_METHODS = (
    "encode",
    "keyframes",
    "temporal_velocity",
    "audio_velocity",
    "spatial_velocity",
    "decode_and_mux",
    "velocity",  # the LTX-2 family's calls (ltx2/generate.LTX2Calls)
    "decode_mp4",
    "encode_image",
    "preview",
)


class StageUnavailable(Exception):
    """A stage call failed on every attempt; the job fails with UNAVAILABLE and this reason."""


@dataclass(frozen=True)
class RetryPolicy:
    timeout_s: float
    retries: int
    is_transient: Callable[[BaseException], bool]  # e.g. "the replica died" for Ray errors
    backoff_s: float = 0.5

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.retries < 0 or self.backoff_s < 0:
            raise ValueError("need timeout_s > 0, retries >= 0, backoff_s >= 0")


class RetryingStages:
    """Wraps any stage_protocol.Stages (or a family's stage calls); each method retries
    transient failures and timeouts."""

    def __init__(self, stages, policy: RetryPolicy):
        self._stages = stages
        self._policy = policy
        self.retried = 0  # calls made again, for tests and logs

    def __getattr__(self, name: str):
        method = getattr(self._stages, name)
        if name not in _METHODS:
            return method

        async def call(*args, **kwargs):
            policy = self._policy
            for attempt in range(policy.retries + 1):
                try:
                    return await asyncio.wait_for(method(*args, **kwargs), policy.timeout_s)
                except TimeoutError:
                    reason = f"no answer in {policy.timeout_s:g}s"
                except Exception as error:
                    if not policy.is_transient(error):
                        raise
                    reason = f"{type(error).__name__}"
                if attempt == policy.retries:
                    raise StageUnavailable(
                        f"stage call {name} failed {attempt + 1} times (last: {reason})"
                    )
                self.retried += 1
                logger.warning("stage call %s failed (%s); retrying", name, reason)
                await asyncio.sleep(policy.backoff_s * (attempt + 1))
            raise AssertionError("unreachable")

        return call
