"""SpatialDiT deployment: keyframes per shot, and the per-frame refinement velocity."""

from __future__ import annotations

from ray import serve

from reelflow.pipeline.presets import get_preset
from reelflow.pipeline.stages import SpatialStage
from reelflow.pipeline.weights import resolve_checkpoint
from reelflow.services import metrics
from reelflow.services.wire import cond_from_proto, tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="SpatialDiT")
class SpatialDiT:
    def __init__(self, preset: str, checkpoint: str):
        self.stage = SpatialStage(get_preset(preset), resolve_checkpoint(checkpoint))

    @metrics.timed_stage("SpatialDiT", "keyframes")
    def keyframes(self, request: bytes) -> bytes:
        m = stages_pb2.KeyframesRequest.FromString(request)
        keyframes = self.stage.keyframes(
            cond_from_proto(m.cond), m.seed, m.steps, m.guidance, m.shift, m.height, m.width
        )
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(keyframes)).SerializeToString()

    @metrics.timed_stage("SpatialDiT", "velocity")
    def velocity(self, request: bytes) -> bytes:
        m = stages_pb2.SpatialVelocityRequest.FromString(request)
        v = self.stage.velocity(tensor_from_proto(m.xv), m.t, cond_from_proto(m.cond), m.guidance)
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(v)).SerializeToString()
