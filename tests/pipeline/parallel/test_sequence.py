"""How a sequence is split and padded across ranks (no processes needed)."""

from __future__ import annotations

import pytest
import torch

from reelflow.pipeline.parallel.config import ParallelConfig
from reelflow.pipeline.parallel.sequence import Shard


@pytest.mark.parametrize(("length", "ranks"), [(15, 2), (16, 2), (5, 4), (1, 2), (13, 8)])
def test_shards_cover_the_sequence_once_and_pad_with_the_last_element(length, ranks):
    shards = [Shard(length, ranks, r) for r in range(ranks)]
    index = torch.cat([s.index for s in shards])
    assert len(index) == shards[0].padded >= length
    assert torch.equal(index[:length], torch.arange(length))  # real positions, in order
    assert (index[length:] == length - 1).all()  # padding repeats the last
    mask = shards[0].key_mask()
    assert (mask is None) == (shards[0].padded == length)
    if mask is not None:
        assert int(mask.sum()) == length and mask[:length].all()


def test_parallel_config_degree_and_heads():
    assert ParallelConfig(ulysses=4, cfg=2).degree == 8
    ParallelConfig(ulysses=4).check_heads(32, "temporal")
    with pytest.raises(ValueError, match="does not divide the temporal branch's 6"):
        ParallelConfig(ulysses=4).check_heads(6, "temporal")
    with pytest.raises(ValueError, match="cfg must be 1 or 2"):
        ParallelConfig(cfg=4)
