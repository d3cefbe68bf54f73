"""The wall-clock training loop both trainers run: steps until the budget is spent, a smoothed
log record every LOG_EVERY steps, a saved state every few minutes and at the end."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
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
    while time.monotonic() - began < minutes * 60:
        for name, value in trainer.train_step().items():
            smoothed[name] = value if name not in smoothed else 0.98 * smoothed[name] + 0.02 * value
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
