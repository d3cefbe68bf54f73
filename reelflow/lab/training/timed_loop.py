"""The wall-clock training loop both trainers run: steps until the budget is spent, a smoothed
log record every LOG_EVERY steps, a saved state every few minutes and at the end. SIGTERM or
Ctrl-C ends it after the current step, with a save: a background run stops without losing the
steps since its last checkpoint."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

LOG_EVERY = 25


class Trainable(Protocol):
    step: int

    def train_step(self) -> dict[str, float]: ...

    def save(self) -> None: ...


def train_for(
    trainer: Trainable,
    minutes: float,
    log_path: Path,
    checkpoint_minutes: float,
    on_log: Callable[[dict], None] | None = None,
) -> None:
    began = last_save = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    smoothed: dict[str, float] = {}
    with _stop_requests() as stop:
        while time.monotonic() - began < minutes * 60 and not stop:
            for name, value in trainer.train_step().items():
                smoothed[name] = 0.98 * smoothed.get(name, value) + 0.02 * value
            if trainer.step % LOG_EVERY == 0:
                record = {"step": trainer.step, "seconds": round(time.monotonic() - began, 1)}
                record |= {name: round(value, 5) for name, value in smoothed.items()}
                with log_path.open("a") as log:
                    log.write(json.dumps(record) + "\n")
                if on_log is not None:
                    on_log(record)
            if time.monotonic() - last_save > checkpoint_minutes * 60:
                trainer.save()
                last_save = time.monotonic()
        trainer.save()


@contextmanager
def _stop_requests() -> Iterator[list[int]]:
    """A list that receives the signal number when SIGTERM or SIGINT arrives (truthy: stop).
    Only the main thread may set handlers; elsewhere the loop runs to its budget."""
    received: list[int] = []
    signals = (signal.SIGTERM, signal.SIGINT)
    try:
        previous = {s: signal.signal(s, lambda number, _: received.append(number)) for s in signals}
    except ValueError:  # not the main thread
        yield received
        return
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
