"""TemporalRayFlow deployment: the video velocity of one joint denoising step."""

from __future__ import annotations

from ray import serve

from reelflow.pipeline.presets import get_preset
from reelflow.pipeline.stages import TemporalStage
from reelflow.pipeline.weights import resolve_checkpoint
from reelflow.services import metrics
from reelflow.services.wire import cond_from_proto, tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="TemporalRayFlow")
class TemporalRayFlow:
    def __init__(self, preset: str, checkpoint: str):
        self.stage = TemporalStage(get_preset(preset), resolve_checkpoint(checkpoint))

    @metrics.timed_stage("TemporalRayFlow", "velocity")
    def velocity(self, request: bytes) -> bytes:
        m = stages_pb2.VideoVelocityRequest.FromString(request)
        v = self.stage.velocity(
            tensor_from_proto(m.xv),
            tensor_from_proto(m.xa),
            m.t,
            cond_from_proto(m.cond),
            tensor_from_proto(m.keyframes),
            m.guidance,
        )
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(v)).SerializeToString()
