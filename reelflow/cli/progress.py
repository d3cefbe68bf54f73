"""A one-line progress bar on stderr, fed by the schedule's progress events."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, stream=None, width: int = 24):
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.perf_counter()
        self.interactive = self.stream.isatty()
        self.last_stage = ""

    def update(self, stage: str, step: int, total: int) -> None:
        done = int(self.width * step / total) if total else self.width
        bar = "#" * done + "-" * (self.width - done)
        line = f"{stage:<16} [{bar}] {step}/{total} {time.perf_counter() - self.start:6.1f}s"
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if step == total else ""))
        elif step == total or stage != self.last_stage:
            self.stream.write(line + "\n")  # logs get one line per stage start and end
        self.last_stage = stage
        self.stream.flush()
