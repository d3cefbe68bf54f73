"""One LTX-2 generation over its stages: encode, noise, the joint denoising loop stepped by the
snapshot's own scheduler (a copy per modality, as LTX2Pipeline keeps two), decode, and the
mux into an MP4 with PyAV like every other clip; and the family as the job machinery runs it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np

from reelflow.pipeline.generation.mux import encode_mp4
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.generation.schedule import GenerationResult, Progress
from reelflow.pipeline.ltx2.request import (
    DEFAULT_FPS,
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    LTX2Request,
    ltx2_request,
)
from reelflow.pipeline.ltx2.stages import LTX2Decoded, LTX2Stages


async def generate_ltx2(
    stages: LTX2Stages,
    request: LTX2Request,
    on_progress: Callable[[str, int, int], None] | None = None,
    seconds: dict[str, float] | None = None,
) -> LTX2Decoded:
    """Each stage call runs in a worker thread, so the event loop serves on and a cancelled
    job stops at the next step; `seconds` collects each stage's time."""
    seconds = {} if seconds is None else seconds

    async def call(stage: str, fn, *args):
        began = time.perf_counter()
        result = await asyncio.to_thread(fn, *args)
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - began
        return result

    def report(stage: str, step: int, total: int) -> None:
        if on_progress is not None:
            on_progress(stage, step, total)

    grid = stages.grid(request.height, request.width, request.num_frames, request.frame_rate)
    report("prompt_encoding", 0, 1)
    guidance = request.guidance
    cond = await call(
        "prompt_encoding",
        stages.encode,
        request.prompt,
        request.negative_prompt,
        guidance.guided,
        request.max_sequence_length,
    )
    xv, xa = stages.noise(grid, request.seed)
    video, audio = stages.scheduler(grid, request.steps), stages.scheduler(grid, request.steps)
    for step, t in enumerate(video.timesteps):
        report("denoising", step, request.steps)
        args = (xv, xa, step, request.steps, grid, cond, guidance)
        vv, va = await call("denoising", stages.velocity, *args)
        xv = video.step(vv, t, xv, return_dict=False)[0]  # the library's Euler step
        xa = audio.step(va, t, xa, return_dict=False)[0]
    report("denoising", request.steps, request.steps)
    report("muxing", 0, 1)
    return await call("decoding", stages.decode, xv, xa, grid)


def to_mp4(decoded: LTX2Decoded, frame_rate: float) -> bytes:
    """H.264 + AAC; the vocoder's channels are mixed to mono (the muxer writes one track), and
    the sound is cut or padded with silence to the picture's length."""
    frames = (decoded.frames.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    samples = round(len(frames) * decoded.sample_rate / frame_rate)
    audio = np.zeros(samples, np.float32)
    mono = decoded.audio.mean(0).clamp(-1, 1).numpy()[:samples]
    audio[: len(mono)] = mono
    return encode_mp4(frames, audio, round(frame_rate), decoded.sample_rate)


class LTX2Family:
    """LTX-2 for the job machinery: a request checked and prepared once, then generated."""

    name = "ltx-2"  # the model id clients name
    fps, width, height = DEFAULT_FPS, DEFAULT_WIDTH, DEFAULT_HEIGHT  # what a request leaves out

    def __init__(self, stages: LTX2Stages):
        self.stages = stages

    @property
    def sample_rate(self) -> int:
        return self.stages.sample_rate

    def prepare(self, request: GenerationRequest) -> LTX2Request:
        """ScriptError naming the field for what LTX-2 cannot do."""
        return ltx2_request(request, self.stages)

    async def generate(self, request: LTX2Request, on_progress=None) -> GenerationResult:
        seconds: dict[str, float] = {}
        began = time.perf_counter()

        def report(stage: str, step: int, total: int) -> None:
            if on_progress is not None:
                on_progress(Progress(stage, step, total, time.perf_counter() - began))

        decoded = await generate_ltx2(self.stages, request, report, seconds)
        mux_began = time.perf_counter()
        mp4 = await asyncio.to_thread(to_mp4, decoded, request.frame_rate)
        seconds["muxing"] = time.perf_counter() - mux_began
        return GenerationResult(mp4=mp4, stage_seconds=seconds)
