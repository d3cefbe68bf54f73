"""PromptEncoder deployment: plan in, text conditioning out."""

from __future__ import annotations

from ray import serve

from reelflow.pipeline.generation.stages import PromptEncoderStage
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.services import metrics
from reelflow.services.deployments.wire import cond_to_proto, plan_from_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="PromptEncoder")
class PromptEncoder:
    def __init__(self, preset: str, checkpoint: str):
        self.stage = PromptEncoderStage(get_preset(preset), resolve_checkpoint(checkpoint))

    @metrics.timed_stage("PromptEncoder", "encode")
    def encode(self, request: bytes) -> bytes:
        message = stages_pb2.EncodeRequest.FromString(request)
        return cond_to_proto(self.stage.encode(plan_from_proto(message.plan))).SerializeToString()
