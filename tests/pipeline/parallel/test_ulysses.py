"""Ulysses-2 over two gloo processes on loopback: each branch's sharded forward equals the
single-process forward within float32 tolerance, for sequences the degree does not divide."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.local import LocalRanks
from tests.pipeline.parallel import inputs

TOLERANCE = dict(rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def ranks():
    # float32 (the preset samples in bfloat16: test_precision.py): the sharded math, exactly
    preset = replace(inputs.PRESET, compute_dtype="float32")
    group = LocalRanks(preset, ParallelConfig(ulysses=2), inputs.networks(), timeout_s=120)
    yield group
    group.close()
    assert not any(p.is_alive() for p in group.processes)


CASES = [
    ("spatial", {}),  # 15 tokens per frame over 2 ranks
    ("spatial", {"h": 8, "w": 8}),  # 16: no padding
    ("temporal", {}),  # 5 frames
    ("temporal", {"frames": 4}),
    ("audio", {}),  # 13 audio tokens
    ("audio", {"audio_tokens": 12, "frames": 4}),
]


@pytest.mark.parametrize(("branch", "sizes"), CASES)
def test_sharded_forward_equals_the_single_process_forward(ranks, branch, sizes):
    kwargs = inputs.INPUTS[branch](**sizes)
    model = ranks.leader.models[branch]
    with torch.inference_mode():
        expected = model(**kwargs)
        got = ranks.leader.forward(branch, kwargs)
    assert ranks.leader.mesh.ulysses_group is not None
    assert got.shape == expected.shape
    assert expected.abs().mean() > 1e-2  # a non-trivial function (seeded, not zero-init)
    torch.testing.assert_close(got, expected, **TOLERANCE)


def test_a_changed_token_on_the_other_rank_changes_this_ranks_output(ranks):
    # the all-to-all really carries the sequence: a token that only rank 1 holds moves the
    # outputs of tokens rank 0 holds (the DiT's self-attention spans the frame)
    kwargs = inputs.spatial(h=8, w=8)
    changed = dict(kwargs, x=kwargs["x"].clone())
    changed["x"][:, :, -2:, -2:] += 3.0  # the last patch: the last token, on rank 1
    with torch.inference_mode():
        base = ranks.leader.forward("spatial", kwargs)
        moved = ranks.leader.forward("spatial", changed)
    assert (moved - base)[:, :, :2, :2].abs().max() > 1e-4  # the first patch, on rank 0


def test_the_group_serves_many_calls_and_keeps_its_weights(ranks):
    kwargs = inputs.audio()
    with torch.inference_mode():
        first = ranks.leader.forward("audio", kwargs)
        again = ranks.leader.forward("audio", kwargs)
    assert torch.equal(first, again)
