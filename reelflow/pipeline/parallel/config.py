"""How many devices one stage replica spans: a frozen, checked config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ParallelConfig:
    """`ulysses` ranks split each branch's sequence (and swap it for a head split around every
    attention); `cfg` = 2 puts the conditional and unconditional halves of guidance on two rank
    sets. The replica spans `degree` = cfg x ulysses devices."""

    ulysses: int = 1
    cfg: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.ulysses, bool) or not isinstance(self.ulysses, int):
            raise ValueError(f"parallel.ulysses must be an integer, got {self.ulysses!r}")
        if not 1 <= self.ulysses <= 64:
            raise ValueError(f"parallel.ulysses must be in [1, 64], got {self.ulysses}")
        if self.cfg not in (1, 2) or isinstance(self.cfg, bool):
            raise ValueError(f"parallel.cfg must be 1 or 2, got {self.cfg!r}")

    @property
    def degree(self) -> int:
        return self.ulysses * self.cfg

    def check_heads(self, heads: int, branch: str) -> None:
        """Ulysses splits heads across ranks, so they must divide evenly."""
        if heads % self.ulysses:
            raise ValueError(
                f"parallel.ulysses {self.ulysses} does not divide the {branch} branch's "
                f"{heads} attention heads"
            )

    @classmethod
    def parse(cls, raw: Any, where: str = "parallel") -> ParallelConfig:
        if raw is None:
            return cls()
        if isinstance(raw, ParallelConfig):
            return raw
        if not isinstance(raw, dict):
            raise ValueError(f"{where} must be a mapping like {{ulysses: 2, cfg: 1}}")
        unknown = set(raw) - {"ulysses", "cfg"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}; known: ulysses, cfg")
        try:
            return cls(**raw)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
