"""In the preset's bfloat16, every rank of a Ulysses-2 group computes in it: the sharded forward
is near the one-process bfloat16 forward, not the float32 one (test_ulysses.py checks the
sharded math itself, exactly, in float32)."""

from __future__ import annotations

import pytest
import torch

from reelflow.pipeline.model.precision import in_dtype
from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.local import LocalRanks
from tests.pipeline.parallel import inputs


@pytest.fixture(scope="module")
def ranks():
    assert inputs.PRESET.compute_dtype == "bfloat16"
    group = LocalRanks(inputs.PRESET, ParallelConfig(ulysses=2), inputs.networks(), timeout_s=120)
    yield group
    group.close()
    assert not any(p.is_alive() for p in group.processes)


@pytest.mark.parametrize("branch", ["spatial", "temporal", "audio"])
def test_every_rank_computes_in_bfloat16(ranks, branch):
    kwargs = inputs.INPUTS[branch]()
    model = ranks.leader.models[branch]
    with torch.inference_mode():
        exact = model(**kwargs)
        expected = in_dtype(model, "bfloat16")(**kwargs)
        got = ranks.leader.forward(branch, kwargs)
    rounding = (expected - exact).abs().mean()  # what bfloat16 changes: ~1% of the output
    assert rounding > 1e-3
    # as far from float32 as the one-process bfloat16 forward (a float32 rank would pull the
    # output towards it), and nearer to that forward than to float32 (the shards round alike
    # up to the order of their sums: measured 0, 0.4 and 0.5 of the rounding)
    assert (got - exact).abs().mean() > 0.9 * rounding
    assert (got - expected).abs().mean() < 0.6 * rounding
