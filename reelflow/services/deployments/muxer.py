"""Muxer deployment: final latents -> frames and waveform -> MP4 (H.264 + AAC)."""

from __future__ import annotations

from ray import serve

from reelflow.pipeline.generation.stages import MuxerStage
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.services import metrics
from reelflow.services.deployments.wire import tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2


@serve.deployment(name="Muxer")
class Muxer:
    def __init__(self, preset: str, checkpoint: str):
        self.stage = MuxerStage(get_preset(preset), resolve_checkpoint(checkpoint))

    @metrics.timed_stage("Muxer", "decode_and_mux")
    def decode_and_mux(self, request: bytes) -> bytes:
        m = stages_pb2.MuxRequest.FromString(request)
        mp4 = self.stage.decode_and_mux(
            tensor_from_proto(m.xv), tensor_from_proto(m.xa), m.fps, m.sample_rate, m.num_samples
        )
        return stages_pb2.MuxResponse(mp4=mp4).SerializeToString()

    @metrics.timed_stage("Muxer", "encode_source")
    def encode_source(self, request: bytes) -> bytes:
        m = stages_pb2.EncodeSourceRequest.FromString(request)
        xv, xa = self.stage.encode_source(m.mp4, m.fps, m.width, m.height, m.sample_rate)
        return stages_pb2.EncodeSourceResponse(
            xv=tensor_to_proto(xv), xa=tensor_to_proto(xa)
        ).SerializeToString()

    @metrics.timed_stage("Muxer", "preview")
    def preview(self, request: bytes) -> bytes:
        m = stages_pb2.PreviewRequest.FromString(request)
        jpeg = self.stage.preview(tensor_from_proto(m.x0))
        return stages_pb2.PreviewResponse(jpeg=jpeg).SerializeToString()
