"""AudioGen deployment: the audio velocity of one joint denoising step."""

from __future__ import annotations

from ray import serve

from reelflow.pipeline.presets import get_preset
from reelflow.pipeline.stages import AudioStage
from reelflow.pipeline.weights import resolve_checkpoint
from reelflow.services import metrics
from reelflow.services.wire import cond_from_proto, tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="AudioGen")
class AudioGen:
    def __init__(self, preset: str, checkpoint: str):
        self.stage = AudioStage(get_preset(preset), resolve_checkpoint(checkpoint))

    @metrics.timed_stage("AudioGen", "velocity")
    def velocity(self, request: bytes) -> bytes:
        m = stages_pb2.AudioVelocityRequest.FromString(request)
        v = self.stage.velocity(
            tensor_from_proto(m.xa),
            tensor_from_proto(m.xv),
            m.t,
            cond_from_proto(m.cond),
            m.guidance,
        )
        return stages_pb2.TensorResponse(tensor=tensor_to_proto(v)).SerializeToString()
