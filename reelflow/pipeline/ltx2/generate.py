"""One LTX-2 generation over its stages: encode, noise, the joint denoising loop stepped by the
snapshot's own scheduler (a copy per modality, as LTX2Pipeline keeps two), decode, and the
mux into an MP4 with PyAV like every other clip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reelflow.pipeline.generation.mux import encode_mp4
from reelflow.pipeline.ltx2.stages import LTX2Decoded, LTX2Guidance, LTX2Stages


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

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        if self.num_frames < 1 or self.frame_rate <= 0:
            raise ValueError("num_frames must be >= 1 and frame_rate > 0")


def generate_ltx2(
    stages: LTX2Stages,
    request: LTX2Request,
    on_step: Callable[[int, int], None] | None = None,
) -> LTX2Decoded:
    grid = stages.grid(request.height, request.width, request.num_frames, request.frame_rate)
    cond = stages.encode(
        request.prompt,
        request.negative_prompt,
        request.guidance.guided,
        request.max_sequence_length,
    )
    xv, xa = stages.noise(grid, request.seed)
    video, audio = stages.scheduler(grid, request.steps), stages.scheduler(grid, request.steps)
    for step, t in enumerate(video.timesteps):
        vv, va = stages.velocity(xv, xa, step, request.steps, grid, cond, request.guidance)
        xv = video.step(vv, t, xv, return_dict=False)[0]  # the library's Euler step
        xa = audio.step(va, t, xa, return_dict=False)[0]
        if on_step is not None:
            on_step(step + 1, request.steps)
    return stages.decode(xv, xa, grid)


def to_mp4(decoded: LTX2Decoded, frame_rate: float) -> bytes:
    """H.264 + AAC; the vocoder's channels are mixed to mono (the muxer writes one track), and
    the sound is cut or padded with silence to the picture's length."""
    frames = (decoded.frames.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    samples = round(len(frames) * decoded.sample_rate / frame_rate)
    audio = np.zeros(samples, np.float32)
    mono = decoded.audio.mean(0).clamp(-1, 1).numpy()[:samples]
    audio[: len(mono)] = mono
    return encode_mp4(frames, audio, round(frame_rate), decoded.sample_rate)
