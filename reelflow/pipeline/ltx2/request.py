"""A generation request (the same GenerationRequest every path speaks) checked for an LTX-2
snapshot and turned into an LTX2Request; ScriptError naming the field, as for the tiny model.

LTX-2 reads its prompt as plain text (the shot markers of the prompt script are the tiny
model's) and takes one reference: an image it starts from. Sizes are multiples of the VAE's
spatial stride, and the frame count is rounded up to the VAE's causal grid (8k + 1 frames)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from reelflow.pipeline.generation.request import (
    GenerationRequest,
    check_guidance,
    check_negative_prompt,
    check_steps,
    seed_of,
)
from reelflow.pipeline.ltx2.stages import LTX2Guidance, LTX2Stages
from reelflow.pipeline.script.checks import check_text
from reelflow.pipeline.script.limits import DEFAULT_LIMITS
from reelflow.pipeline.script.plan import ScriptError
from reelflow.pipeline.script.references import decode_reference, kind_of


@dataclass(frozen=True)
class LTX2Request:
    prompt: str
    seed: int
    steps: int = 30
    height: int = 512
    width: int = 768
    num_frames: int = 121  # 8k + 1: the VAE's causal temporal grid
    frame_rate: float = 24.0
    negative_prompt: str = ""
    guidance: LTX2Guidance = field(default_factory=LTX2Guidance)
    max_sequence_length: int = 1024
    # (H, W, 3) uint8: the clip starts from this image (LTX2ImageToVideoPipeline), or None
    first_frame: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        if self.num_frames < 1 or self.frame_rate <= 0:
            raise ValueError("num_frames must be >= 1 and frame_rate > 0")


DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_FPS, DEFAULT_STEPS = 768, 512, 24, 30
MAX_SIDE, MAX_STEPS, MAX_SECONDS = 1920, 100, 20.0
DEFAULT_TEXT_TOKENS = 1024  # LTX2Pipeline's max_sequence_length


def ltx2_request(request: GenerationRequest, stages: LTX2Stages) -> LTX2Request:
    pipe = stages.pipe
    check_text("prompt", request.prompt, DEFAULT_LIMITS, required=True)
    negative_prompt = check_negative_prompt(request.negative_prompt, DEFAULT_LIMITS)
    first_frame = _first_frame(request, stages.sample_rate)
    stride = pipe.vae_spatial_compression_ratio
    width = request.width or DEFAULT_WIDTH
    height = request.height or DEFAULT_HEIGHT
    for name, side in (("width", width), ("height", height)):
        if not stride <= side <= MAX_SIDE or side % stride:
            raise ScriptError(
                "size", f"{name} must be a multiple of {stride} from {stride} to {MAX_SIDE}"
            )
    fps = request.fps or DEFAULT_FPS
    if not 1 <= fps <= 60:
        raise ScriptError("fps", f"fps must be from 1 to 60, got {fps}")
    ratio = pipe.vae_temporal_compression_ratio
    seconds = request.duration_s or 121 / DEFAULT_FPS
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_SECONDS):
        raise ScriptError("duration", f"duration must be above 0 and at most {MAX_SECONDS:g}s")
    frames = math.ceil((round(seconds * fps) - 1) / ratio) * ratio + 1
    guidance = LTX2Guidance()
    if request.guidance is not None:
        guidance = replace(guidance, video=check_guidance(request.guidance))
    return LTX2Request(
        prompt=request.prompt.strip(),
        seed=seed_of(request),
        steps=check_steps(request.steps or DEFAULT_STEPS, MAX_STEPS),
        height=height,
        width=width,
        num_frames=max(1, frames),
        frame_rate=float(fps),
        negative_prompt=negative_prompt,
        guidance=guidance,
        max_sequence_length=min(DEFAULT_TEXT_TOKENS, pipe.tokenizer.model_max_length),
        first_frame=first_frame,
    )


def _first_frame(request: GenerationRequest, sample_rate: int) -> np.ndarray | None:
    """The one reference LTX-2 takes: an image the clip starts from (the OpenAI API's
    input_reference, or an @image with the role first_frame)."""
    if not request.references:
        return None
    names = sorted(request.references)
    if len(names) > 1:
        raise ScriptError(f"references[{names[1]}]", "the LTX-2 model takes one image only")
    name = names[0]
    role = request.roles.get(name, "first_frame")
    if kind_of(name) != "image" or role != "first_frame":
        what = f"{kind_of(name)} with the role {role}"
        raise ScriptError(
            f"references[{name}]", f"the LTX-2 model takes a first-frame image only, not a {what}"
        )
    reference = decode_reference(
        name, request.references[name], role=role, sample_rate=sample_rate, limits=DEFAULT_LIMITS
    )
    return reference.data
