"""What each stage deployment is, per model family: its stage object (and what of the model
it loads), the network its parallel ranks hold, and the methods a handle calls
(`handle.<method>.remote(bytes)`, one serialized stage proto in, one out).
`stage.StageDeployment` serves any row of FAMILY_ROLES; this table is all that differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from google.protobuf.message import Message

from reelflow.pipeline.generation.stages import (
    AudioStage,
    MuxerStage,
    PromptEncoderStage,
    SpatialStage,
    TemporalStage,
)
from reelflow.pipeline.ltx2.snapshot import open_snapshot
from reelflow.pipeline.ltx2.stages import LTX2Stages
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.model.weights import resolve_checkpoint
from reelflow.services.config import ModelConfig
from reelflow.services.deployments import ltx2_wire
from reelflow.services.deployments.cond_cache import ConditioningCache
from reelflow.services.deployments.wire import (
    cond_from_proto,
    cond_to_proto,
    plan_from_proto,
    tensor_from_proto,
    tensor_to_proto,
)
from reelflow.v1 import ltx2_stages_pb2 as ltx2_pb2
from reelflow.v1 import stages_pb2


@dataclass(frozen=True)
class Method:
    """One deployment method: `call(stage, request proto) -> reply proto`."""

    name: str  # the handle's method name, and the `call` label of its stage metric
    request: type[Message]  # the stage request proto (reelflow.v1.stages_pb2)
    call: Callable[[Any, Any], Message]
    batched: bool = False  # calls of several jobs that arrive together run as one forward

    def __call__(self, stage: Any, request: bytes) -> bytes:
        return self.call(stage, self.request.FromString(request)).SerializeToString()


Loader = Callable[[Preset, str, ModelConfig], Any]  # (preset, checkpoint, model) -> stage


@dataclass(frozen=True)
class Role:
    """One stage deployment: its name (config.STAGE_NAMES), its stage object and methods."""

    name: str
    stage: type  # the stage object's class: its methods are what `methods` call
    methods: tuple[Method, ...]
    ranks: str | None = None  # the network key of its parallel ranks (config.PARALLEL_STAGES)
    load: Loader | None = None  # builds the stage in a replica; default: stage(preset, weights)

    def build(self, preset: Preset, checkpoint: str, model: ModelConfig) -> Any:
        if self.load is not None:
            return self.load(preset, checkpoint, model)
        return self.stage(preset, resolve_checkpoint(checkpoint))

    def __post_init__(self) -> None:
        names = [m.name for m in self.methods]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: a method name appears twice in {names}")


def _tensor(x: torch.Tensor) -> stages_pb2.TensorResponse:
    return stages_pb2.TensorResponse(tensor=tensor_to_proto(x))


def _encode(stage: PromptEncoderStage, m: stages_pb2.EncodeRequest) -> stages_pb2.Conditioning:
    return cond_to_proto(stage.encode(plan_from_proto(m.plan)))


def _keyframes(stage: SpatialStage, m: stages_pb2.KeyframesRequest) -> stages_pb2.TensorResponse:
    cond = cond_from_proto(m.cond)
    return _tensor(stage.keyframes(cond, m.seed, m.steps, m.guidance, m.shift, m.height, m.width))


def _spatial_velocity(
    stage: SpatialStage, m: stages_pb2.SpatialVelocityRequest
) -> stages_pb2.TensorResponse:
    return _tensor(
        stage.velocity(tensor_from_proto(m.xv), m.t, cond_from_proto(m.cond), m.guidance)
    )


def _video_velocity(
    stage: TemporalStage, m: stages_pb2.VideoVelocityRequest
) -> stages_pb2.TensorResponse:
    xv, xa, keyframes = (tensor_from_proto(x) for x in (m.xv, m.xa, m.keyframes))
    cond = cond_from_proto(m.cond)
    return _tensor(stage.velocity(xv, xa, m.t, cond, keyframes, m.guidance, m.window_phase))


def _audio_velocity(
    stage: AudioStage, m: stages_pb2.AudioVelocityRequest
) -> stages_pb2.TensorResponse:
    xa, xv, cond = tensor_from_proto(m.xa), tensor_from_proto(m.xv), cond_from_proto(m.cond)
    return _tensor(stage.velocity(xa, xv, m.t, cond, m.guidance, m.window_phase))


def _decode_and_mux(stage: MuxerStage, m: stages_pb2.MuxRequest) -> stages_pb2.MuxResponse:
    xv, xa = tensor_from_proto(m.xv), tensor_from_proto(m.xa)
    return stages_pb2.MuxResponse(
        mp4=stage.decode_and_mux(xv, xa, m.fps, m.sample_rate, m.num_samples)
    )


def _encode_source(
    stage: MuxerStage, m: stages_pb2.EncodeSourceRequest
) -> stages_pb2.EncodeSourceResponse:
    xv, xa = stage.encode_source(m.mp4, m.fps, m.width, m.height, m.sample_rate)
    return stages_pb2.EncodeSourceResponse(xv=tensor_to_proto(xv), xa=tensor_to_proto(xa))


def _preview(stage: MuxerStage, m: stages_pb2.PreviewRequest) -> stages_pb2.PreviewResponse:
    return stages_pb2.PreviewResponse(jpeg=stage.preview(tensor_from_proto(m.x0)))


def _ltx2(*networks: str) -> Loader:
    """Loads only `networks` of the snapshot (the rest are configs on the meta device), on
    the replica's GPU when it has one."""

    def load(preset: Preset, checkpoint: str, model: ModelConfig) -> LTX2Stages:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        return LTX2Stages(open_snapshot(model.path, model.dtype, networks), device)

    return load


def _ltx2_encode(stage: LTX2Stages, m: ltx2_pb2.LTX2EncodeRequest) -> ltx2_pb2.LTX2Conditioning:
    cond = stage.encode(m.prompt, m.negative_prompt, m.guided, m.max_sequence_length)
    return ltx2_wire.cond_to_proto(cond)


# The conditionings this replica was sent (one cache per replica process).
_CONDITIONINGS = ConditioningCache()


def _ltx2_velocity(
    stage: LTX2Stages, m: ltx2_pb2.LTX2VelocityRequest
) -> ltx2_pb2.LTX2VelocityResponse:
    if m.HasField("cond"):
        cond = ltx2_wire.cond_from_proto(m.cond)
        if m.cond_key:
            _CONDITIONINGS.put(m.cond_key, cond)
    else:
        cond = _CONDITIONINGS.get(m.cond_key)
        if cond is None:
            return ltx2_pb2.LTX2VelocityResponse(need_cond=True)
    video, audio = stage.velocity(
        tensor_from_proto(m.xv),
        tensor_from_proto(m.xa),
        m.step,
        m.steps,
        ltx2_wire.grid_from_proto(m.grid),
        cond,
        ltx2_wire.guidance_from_proto(m.guidance),
        tensor_from_proto(m.mask) if m.HasField("mask") else None,
    )
    return ltx2_pb2.LTX2VelocityResponse(video=tensor_to_proto(video), audio=tensor_to_proto(audio))


def _ltx2_encode_image(
    stage: LTX2Stages, m: ltx2_pb2.LTX2EncodeImageRequest
) -> stages_pb2.TensorResponse:
    return _tensor(stage.encode_image(tensor_from_proto(m.image)))


def _ltx2_preview(stage: LTX2Stages, m: ltx2_pb2.LTX2PreviewRequest) -> stages_pb2.PreviewResponse:
    x0, grid = tensor_from_proto(m.x0), ltx2_wire.grid_from_proto(m.grid)
    return stages_pb2.PreviewResponse(jpeg=stage.preview(x0, grid))


def _ltx2_decode_mp4(stage: LTX2Stages, m: ltx2_pb2.LTX2DecodeRequest) -> stages_pb2.MuxResponse:
    xv, xa, grid = (
        tensor_from_proto(m.xv),
        tensor_from_proto(m.xa),
        ltx2_wire.grid_from_proto(m.grid),
    )
    return stages_pb2.MuxResponse(mp4=stage.decode_mp4(xv, xa, grid))


# LTX-2: one transformer denoises video and audio together (JointStage). Its velocities are
# not batched across jobs: the guidance passes (CFG, STG, isolation) make per-job batches.
LTX2_ROLES = (
    Role(
        "PromptEncoder",
        LTX2Stages,
        (Method("encode", ltx2_pb2.LTX2EncodeRequest, _ltx2_encode),),
        load=_ltx2("text_encoder", "connectors"),
    ),
    Role(
        "JointStage",
        LTX2Stages,
        (Method("velocity", ltx2_pb2.LTX2VelocityRequest, _ltx2_velocity),),
        load=_ltx2("transformer"),
    ),
    Role(
        "Muxer",
        LTX2Stages,
        (
            Method("decode_mp4", ltx2_pb2.LTX2DecodeRequest, _ltx2_decode_mp4),
            Method("encode_image", ltx2_pb2.LTX2EncodeImageRequest, _ltx2_encode_image),
            Method("preview", ltx2_pb2.LTX2PreviewRequest, _ltx2_preview),
        ),
        load=_ltx2("vae", "audio_vae", "vocoder"),
    ),
)

ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(
            "PromptEncoder",
            PromptEncoderStage,
            (Method("encode", stages_pb2.EncodeRequest, _encode),),
        ),
        Role(
            "SpatialStage",
            SpatialStage,
            (
                Method("keyframes", stages_pb2.KeyframesRequest, _keyframes),
                Method(
                    "velocity", stages_pb2.SpatialVelocityRequest, _spatial_velocity, batched=True
                ),
            ),
            ranks="spatial",
        ),
        Role(
            "TemporalStage",
            TemporalStage,
            (Method("velocity", stages_pb2.VideoVelocityRequest, _video_velocity, batched=True),),
            ranks="temporal",
        ),
        Role(
            "AudioStage",
            AudioStage,
            (Method("velocity", stages_pb2.AudioVelocityRequest, _audio_velocity, batched=True),),
            ranks="audio",
        ),
        Role(
            "Muxer",
            MuxerStage,
            (
                Method("decode_and_mux", stages_pb2.MuxRequest, _decode_and_mux),
                Method("encode_source", stages_pb2.EncodeSourceRequest, _encode_source),
                Method("preview", stages_pb2.PreviewRequest, _preview),
            ),
        ),
    )
}
FAMILY_ROLES: dict[str, dict[str, Role]] = {
    "reelflow-tiny": ROLES,
    "ltx2": {role.name: role for role in LTX2_ROLES},
}
