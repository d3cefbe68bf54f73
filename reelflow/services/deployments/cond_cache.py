"""The last few LTX-2 conditionings a JointStage replica was sent, by content hash, so that a
job's text tokens cross the wire once rather than at every step. Stateless in meaning: a
replica that does not hold a conditioning says so and is sent it again (a restarted or new
replica costs one round trip)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from reelflow.pipeline.ltx2.stages import LTX2Cond
from reelflow.v1 import ltx2_stages_pb2 as pb

CAPACITY = 16  # jobs in flight on one replica, with room


def cond_key(message: pb.LTX2Conditioning) -> bytes:
    return hashlib.sha256(message.SerializeToString(deterministic=True)).digest()


class ConditioningCache:
    def __init__(self, capacity: int = CAPACITY):
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._conds: OrderedDict[bytes, LTX2Cond] = OrderedDict()

    def get(self, key: bytes) -> LTX2Cond | None:
        cond = self._conds.get(key)
        if cond is not None:
            self._conds.move_to_end(key)
        return cond

    def put(self, key: bytes, cond: LTX2Cond) -> None:
        self._conds[key] = cond
        self._conds.move_to_end(key)
        while len(self._conds) > self.capacity:
            self._conds.popitem(last=False)
