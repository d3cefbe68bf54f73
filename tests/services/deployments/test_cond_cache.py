"""The JointStage's conditioning cache: a job's text tokens cross the wire on its first step
only; a replica that lacks them says so without computing, and is sent them again."""

from __future__ import annotations

import torch

from reelflow.pipeline.ltx2.stages import LTX2Cond
from reelflow.services.deployments import ltx2_wire, roles
from reelflow.services.deployments.cond_cache import ConditioningCache, cond_key
from reelflow.v1 import ltx2_stages_pb2 as pb


def cond(seed: int) -> LTX2Cond:
    g = torch.Generator().manual_seed(seed)
    return LTX2Cond(torch.randn(2, 4, 8, generator=g), torch.randn(2, 4, 4, generator=g),
                    torch.ones(2, 4, dtype=torch.int64))  # fmt: skip


def test_keys_follow_content_and_the_cache_keeps_the_newest():
    a, b = ltx2_wire.cond_to_proto(cond(1)), ltx2_wire.cond_to_proto(cond(2))
    assert cond_key(a) == cond_key(ltx2_wire.cond_to_proto(cond(1))) != cond_key(b)
    cache = ConditioningCache(capacity=2)
    first, second, third = cond(1), cond(2), cond(3)
    cache.put(b"1", first)
    cache.put(b"2", second)
    assert cache.get(b"1") is first  # now the newest
    cache.put(b"3", third)
    assert cache.get(b"2") is None and cache.get(b"1") is first and cache.get(b"3") is third


def test_a_replica_without_the_conditioning_asks_for_it_and_computes_nothing():
    request = pb.LTX2VelocityRequest(cond_key=b"\x00" * 32, steps=2)
    # no stage is needed: the reply comes before any network is called
    reply = roles._ltx2_velocity(None, request)
    assert reply.need_cond and not reply.HasField("video")
