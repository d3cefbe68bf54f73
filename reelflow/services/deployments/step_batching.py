"""Step-level batching across jobs: several velocity calls that arrived together (Ray Serve's
`@serve.batch` collects them) run as one forward pass of the network.

The stage objects of reelflow.pipeline compute one job's velocity (guidance, conditioning
lookups, wire dtypes). Rather than re-implementing that per batch, each call runs its own stage
method in a thread while the stage's network is swapped for a rendezvous: every call's forward
arguments are collected, stacked along the batch axis (text and reference tokens padded to the
longest, their masks False), the real network runs once, and each call gets its rows back. Calls
whose arguments cannot be stacked run one by one, so the result is always that of the plain method
(to float rounding: a padded, batched matmul may differ in the last bits).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import torch

from reelflow.pipeline.generation.conditioning import pad_tokens

T = TypeVar("T")
MASK_SUFFIX = "_mask"  # `name` (..., L, D) with `name_mask` (..., L): L may differ per call
_item = threading.local()


def _batch_size(kwargs: dict[str, Any]) -> int | None:
    x = kwargs.get("x")
    return x.shape[0] if isinstance(x, torch.Tensor) else None


def _token_lengths(calls: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """name -> (longest length, axis) for every token/mask pair the calls share."""
    lengths = {}
    for name in calls[0]:
        mask = name + MASK_SUFFIX
        if mask in calls[0] and all(
            isinstance(kwargs[name], torch.Tensor) and isinstance(kwargs[mask], torch.Tensor)
            for kwargs in calls
        ):
            longest = max(kwargs[mask].shape[-1] for kwargs in calls)
            lengths[name], lengths[mask] = (longest, -2), (longest, -1)
    return lengths


def _stack(calls: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One set of forward arguments for all calls, or None when they can't be stacked."""
    sizes = [_batch_size(kwargs) for kwargs in calls]
    if None in sizes or any(set(kwargs) != set(calls[0]) for kwargs in calls):
        return None
    padded = _token_lengths(calls)
    stacked: dict[str, Any] = {}
    for name, first in calls[0].items():
        values = [kwargs[name] for kwargs in calls]
        if not isinstance(first, torch.Tensor):
            if any(value != first for value in values):
                return None
            stacked[name] = first
            continue
        if name in padded:
            values = [pad_tokens(value, *padded[name]) for value in values]
        if all(v.dim() and v.shape[0] == b for v, b in zip(values, sizes, strict=True)):
            if any(v.shape[1:] != values[0].shape[1:] for v in values):
                return None
            stacked[name] = torch.cat(values)
        elif all(v.shape == first.shape and torch.equal(v, first) for v in values):
            stacked[name] = first  # shared by every row (e.g. a frame/token layout)
        else:
            return None
    return stacked


class _Rendezvous:
    """Stands in for the network while a batch runs: each forward call waits until every call
    still running has made its own, then one batched forward answers all of them."""

    def __init__(self, model: Callable[..., torch.Tensor], calls: int):
        self.model = model
        self.active = calls
        self.pending: dict[int, dict[str, Any]] = {}
        self.answers: dict[int, torch.Tensor | BaseException] = {}
        self.condition = threading.Condition()
        self.forwards: list[int] = []  # rows of each batched forward, for tests and metrics

    def __call__(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        if args or getattr(_item, "batch", None) is not self:  # not a call of this batch
            return self.model(*args, **kwargs)
        index = _item.index
        with self.condition:
            self.pending[index] = kwargs
            self._run_if_complete()
            self.condition.wait_for(lambda: index in self.answers)
            answer = self.answers.pop(index)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def leave(self) -> None:
        with self.condition:
            self.active -= 1
            self._run_if_complete()

    def _run_if_complete(self) -> None:
        if not self.pending or len(self.pending) < self.active:
            return
        pending, self.pending = self.pending, {}
        order = sorted(pending)
        stacked = _stack([pending[i] for i in order]) if len(order) > 1 else None
        try:
            if stacked is None:
                raise ValueError("not stackable")
            out = self.model(**stacked)
            sizes = [_batch_size(pending[i]) for i in order]
            self.answers.update(zip(order, out.split(sizes), strict=True))
            self.forwards.append(len(order))
        except Exception:
            for i in order:  # one by one: the plain method's result, or its own error
                try:
                    self.answers[i] = self.model(**pending[i])
                except Exception as error:
                    self.answers[i] = error
                self.forwards.append(1)
        self.condition.notify_all()


class StepBatcher:
    """Runs several calls of methods of `stage` as one batch over `stage.<attribute>`."""

    def __init__(self, stage: Any, attribute: str = "model", max_batch: int = 16):
        self.stage, self.attribute = stage, attribute
        self.model = getattr(stage, attribute)
        self.pool = ThreadPoolExecutor(max_batch, thread_name_prefix="step-batch")
        self.last_forwards: list[int] = []
        self._one_batch = asyncio.Lock()  # the network is swapped while a batch runs

    def run(self, calls: list[Callable[[], T]]) -> list[T]:
        """Results in order; raises the first call's error if any call failed."""
        if len(calls) == 1:
            self.last_forwards = [1]
            return [calls[0]()]
        rendezvous = _Rendezvous(self.model, len(calls))

        def one(index: int, call: Callable[[], T]) -> T:
            _item.index, _item.batch = index, rendezvous
            try:
                return call()
            finally:
                rendezvous.leave()

        setattr(self.stage, self.attribute, rendezvous)
        try:
            futures = [self.pool.submit(one, i, call) for i, call in enumerate(calls)]
            results = [future.result() for future in futures]
        finally:
            setattr(self.stage, self.attribute, self.model)
            self.last_forwards = rendezvous.forwards
        return results

    async def run_async(self, calls: list[Callable[[], T]]) -> list[T]:
        """`run` off the event loop (a `@serve.batch` handler), one batch at a time."""
        async with self._one_batch:
            return await asyncio.to_thread(self.run, calls)
