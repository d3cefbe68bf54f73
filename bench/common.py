"""What every benchmark family shares: repeated timing with median/min/max, the machine
description, tables, JSON results, and the request the families measure."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Two shots, like a real prompt: the prompt encoder, keyframes and per-frame text all see both.
PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


@dataclass(frozen=True)
class BenchConfig:
    quick: bool
    repeats: int  # timed runs per figure (the median is reported)
    steps: int  # denoising steps of a measured request

    @staticmethod
    def make(quick: bool) -> BenchConfig:
        # Quick mode proves the suite end to end in minutes; the full mode is what gets published.
        return BenchConfig(quick=quick, repeats=3 if quick else 7, steps=4 if quick else 20)


@dataclass(frozen=True)
class Stats:
    median: float
    min: float
    max: float
    runs: int

    @staticmethod
    def of(values: Sequence[float]) -> Stats:
        if not values:
            raise ValueError("no measurements")
        return Stats(statistics.median(values), min(values), max(values), len(values))

    def scaled(self, factor: float) -> Stats:
        return Stats(self.median * factor, self.min * factor, self.max * factor, self.runs)

    def ms(self) -> str:
        return f"{self.median * 1e3:.1f} ({self.min * 1e3:.1f}–{self.max * 1e3:.1f})"

    def s(self) -> str:
        return f"{self.median:.2f} ({self.min:.2f}–{self.max:.2f})"


def measure(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> Stats:
    """Wall seconds of `fn()`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return Stats.of(times)


def ratio(a: Sequence[float], b: Sequence[float]) -> Stats:
    """Per-pair ratios a[i] / b[i] of interleaved runs: drift on a shared machine cancels."""
    return Stats.of([x / y for x, y in zip(a, b, strict=True)])


def fit_exponent(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log y on log x: y ~ x^k."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    return num / sum((a - mx) ** 2 for a in lx)


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |"]
        lines.append("|" + "|".join("---" for _ in self.header) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += [f"\n{note}" for note in self.notes]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Report:
    family: str
    tables: tuple[Table, ...]
    data: dict[str, Any] = field(default_factory=dict)


def machine() -> dict[str, Any]:
    import torch

    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cores": os.cpu_count(),
        "cpu_model": model,
        "torch": torch.__version__,
        "torch_threads_default": torch.get_num_threads(),
        "python": platform.python_version(),
        # Load average says how contended the figures are: a quiet 2-core machine is near 0.
        "loadavg": os.getloadavg(),
    }


def write_json(report: Report, config: BenchConfig, info: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if config.quick else ""
    path = RESULTS_DIR / f"{report.family}{suffix}.json"
    payload = {
        "family": report.family,
        "config": asdict(config),
        "machine": info | {"loadavg_end": os.getloadavg()},
        "tables": [asdict(table) for table in report.tables],
        "data": report.data,
    }
    path.write_text(json.dumps(payload, indent=1, default=_jsonable))
    return path


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")
