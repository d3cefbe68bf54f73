"""The training loop stops on SIGTERM after the step it is in, and saves on the way out."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from reelflow.lab.training.timed_loop import LOG_EVERY, train_for


class CountingTrainer:
    def __init__(self, stop_at: int):
        self.step, self.saved_at, self.stop_at = 0, [], stop_at

    def train_step(self) -> dict[str, float]:
        self.step += 1
        if self.step == self.stop_at:
            signal.raise_signal(signal.SIGTERM)  # as `kill` would, mid-step
        return {"loss": 1.0 / self.step}

    def save(self) -> None:
        self.saved_at.append(self.step)


def test_sigterm_ends_the_run_with_a_save(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    trainer = CountingTrainer(stop_at=LOG_EVERY + 3)
    train_for(trainer, minutes=10.0, log_path=tmp_path / "log.jsonl", checkpoint_minutes=5.0)
    assert trainer.step == LOG_EVERY + 3  # the step in flight finished, no further one began
    assert trainer.saved_at == [LOG_EVERY + 3]
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [LOG_EVERY]
    assert signal.getsignal(signal.SIGTERM) is before  # the process's own handler is back


def test_budget_ends_the_run_without_a_signal(tmp_path: Path) -> None:
    trainer = CountingTrainer(stop_at=-1)
    train_for(trainer, minutes=0.0, log_path=tmp_path / "log.jsonl", checkpoint_minutes=5.0)
    assert trainer.step == 0 and trainer.saved_at == [0]
