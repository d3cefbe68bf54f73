"""One LTX-2 generation over its stages: encode, noise, the joint denoising loop stepped by the
snapshot's own scheduler (a copy per modality, as LTX2Pipeline keeps two), decode, and the
mux into an MP4 with PyAV like every other clip; and the family as the job machinery runs it.

The loop is written once. What it draws and steps itself (sizes, noise, the scheduler) comes
from an LTX2Stages over the snapshot, whose networks may all be on the meta device; the three
stage calls go through an LTX2Calls: in this process (LocalCalls) or to Ray Serve deployments
(services/deployments/ltx2_remote.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import torch
from PIL import Image

from reelflow.pipeline.generation.loop_state import LoopState
from reelflow.pipeline.generation.preview import PREVIEW_FRAMES, Preview
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.generation.schedule import GenerationResult, Progress
from reelflow.pipeline.ltx2.first_frame import condition_image, noise_from_image, step_held
from reelflow.pipeline.ltx2.mp4 import LTX2Decoded
from reelflow.pipeline.ltx2.request import (
    DEFAULT_FPS,
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    LTX2Request,
    ltx2_request,
)
from reelflow.pipeline.ltx2.stages import LTX2Cond, LTX2Grid, LTX2Guidance, LTX2Stages

Report = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PreviewRequest:
    every: int  # steps between two previews
    on_preview: Callable[[Preview], Awaitable[None]]


_NO_KEYFRAMES = torch.zeros(0)  # LTX-2 has no keyframe stage


class LTX2Calls(Protocol):
    """The stage calls of one generation, awaited by the loop."""

    async def encode(
        self, prompt: str, negative_prompt: str, guided: bool, max_sequence_length: int
    ) -> LTX2Cond: ...

    async def velocity(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        step: int,
        steps: int,
        grid: LTX2Grid,
        cond: LTX2Cond,
        guidance: LTX2Guidance,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]: ...

    async def encode_image(self, image: torch.Tensor) -> torch.Tensor: ...

    async def preview(self, x0: torch.Tensor, grid: LTX2Grid) -> bytes: ...

    async def decode_mp4(self, xv: torch.Tensor, xa: torch.Tensor, grid: LTX2Grid) -> bytes: ...


class LocalCalls:
    """The stage calls in this process, each in a worker thread: the event loop serves on,
    and a cancelled job stops at the next step."""

    def __init__(self, stages: LTX2Stages):
        self.stages = stages

    async def encode(self, *args) -> LTX2Cond:
        return await asyncio.to_thread(self.stages.encode, *args)

    async def velocity(self, *args) -> tuple[torch.Tensor, torch.Tensor]:
        return await asyncio.to_thread(self.stages.velocity, *args)

    async def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        return await asyncio.to_thread(self.stages.encode_image, image)

    async def preview(self, x0: torch.Tensor, grid: LTX2Grid) -> bytes:
        return await asyncio.to_thread(self.stages.preview, x0, grid)

    async def decode_mp4(self, *args) -> bytes:
        return await asyncio.to_thread(self.stages.decode_mp4, *args)


async def denoise(
    stages: LTX2Stages,
    calls: LTX2Calls,
    request: LTX2Request,
    report: Report,
    seconds: dict[str, float],
    resume: LoopState | None = None,
    on_step: Callable[[LoopState], Awaitable[None]] | None = None,
    previews: PreviewRequest | None = None,
) -> tuple[torch.Tensor, torch.Tensor, LTX2Grid]:
    """The final (video, audio) latents and the clip's grid; `seconds` collects each stage's
    time as the loop sees it. `resume` continues after its step (the latents in the memory
    layout a fresh run has, so the steps round as they would have); `on_step` gets the state
    after each step; `previews` a sprite of the x0 estimate every so many steps."""

    async def timed(stage: str, call: Awaitable):
        began = time.perf_counter()
        result = await call
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - began
        return result

    grid = stages.grid(request.height, request.width, request.num_frames, request.frame_rate)
    report("prompt_encoding", 0, 1)
    guidance = request.guidance
    cond = await timed(
        "prompt_encoding",
        calls.encode(
            request.prompt, request.negative_prompt, guidance.guided, request.max_sequence_length
        ),
    )
    mask = None  # the video tokens held at a first frame's latent
    if request.first_frame is None:
        xv, xa = stages.noise(grid, request.seed)
    else:
        image = condition_image(stages, Image.fromarray(request.first_frame), grid)
        held = await timed("image_encoding", calls.encode_image(image))
        xv, mask, xa = noise_from_image(stages, grid, request.seed, held)
    video, audio = stages.scheduler(grid, request.steps), stages.scheduler(grid, request.steps)
    start = 0
    if resume is not None:
        xv, xa = torch.empty_like(xv).copy_(resume.xv), torch.empty_like(xa).copy_(resume.xa)
        start = resume.step
        video.set_begin_index(start)
        audio.set_begin_index(start)
    for step in range(start, request.steps):
        report("denoising", step, request.steps)
        t = video.timesteps[step]
        call = calls.velocity(xv, xa, step, request.steps, grid, cond, guidance, mask)
        vv, va = await timed("denoising", call)
        if previews is not None and (step + 1) % previews.every == 0:
            x0 = stages.pipe.convert_velocity_to_x0(xv, vv, step, video)
            if mask is not None:  # the held frame is its image's, not an estimate
                x0 = torch.where(mask.unsqueeze(-1) > 0, xv, x0)
            jpeg = await timed("preview", calls.preview(x0, grid))
            shown = min(PREVIEW_FRAMES, request.num_frames)
            await previews.on_preview(Preview(step + 1, request.steps, jpeg, shown))
        if mask is None:
            xv = video.step(vv, t, xv, return_dict=False)[0]  # the library's Euler step
        else:
            xv = step_held(stages, video, vv, t, xv, grid)
        xa = audio.step(va, t, xa, return_dict=False)[0]
        if on_step is not None:
            await on_step(LoopState(step + 1, _NO_KEYFRAMES, xv, xa))
    report("denoising", request.steps, request.steps)
    return xv, xa, grid


async def generate_ltx2(
    stages: LTX2Stages, request: LTX2Request, on_progress: Report | None = None
) -> LTX2Decoded:
    """The decoded frames and waveform, every stage in this process."""
    report = on_progress or (lambda stage, step, total: None)
    xv, xa, grid = await denoise(stages, LocalCalls(stages), request, report, {})
    return await asyncio.to_thread(stages.decode, xv, xa, grid)


class LTX2Family:
    """LTX-2 for the job machinery: a request checked and prepared once, then generated over
    `calls` (default: every stage in this process, over `stages`)."""

    name = "ltx-2"  # the model id clients name
    fps, width, height = DEFAULT_FPS, DEFAULT_WIDTH, DEFAULT_HEIGHT  # what a request leaves out

    def __init__(self, stages: LTX2Stages, calls: LTX2Calls | None = None):
        self.stages = stages
        self.calls = calls if calls is not None else LocalCalls(stages)

    def with_calls(self, wrap: Callable[[LTX2Calls], LTX2Calls]) -> LTX2Family:
        """The family over `wrap(self.calls)` (e.g. with timeouts and retries)."""
        return LTX2Family(self.stages, wrap(self.calls))

    @property
    def sample_rate(self) -> int:
        return self.stages.sample_rate

    def prepare(self, request: GenerationRequest) -> LTX2Request:
        """ScriptError naming the field for what LTX-2 cannot do."""
        return ltx2_request(request, self.stages)

    def latent_shapes(self, request: LTX2Request) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The (video, audio) latent shapes of a request, as a saved loop state has them."""
        grid = self.stages.grid(
            request.height, request.width, request.num_frames, request.frame_rate
        )
        xv, xa = self.stages.noise(grid, 0)
        return tuple(xv.shape), tuple(xa.shape)

    async def generate(
        self,
        request: LTX2Request,
        on_progress=None,
        resume: LoopState | None = None,
        on_step: Callable[[LoopState], Awaitable[None]] | None = None,
        previews: PreviewRequest | None = None,
    ) -> GenerationResult:
        seconds: dict[str, float] = {}
        began = time.perf_counter()

        def report(stage: str, step: int, total: int) -> None:
            if on_progress is not None:
                on_progress(Progress(stage, step, total, time.perf_counter() - began))

        xv, xa, grid = await denoise(
            self.stages, self.calls, request, report, seconds, resume, on_step, previews
        )
        report("muxing", 0, 1)
        mux_began = time.perf_counter()
        mp4 = await self.calls.decode_mp4(xv, xa, grid)
        seconds["muxing"] = time.perf_counter() - mux_began
        return GenerationResult(mp4=mp4, stage_seconds=seconds)
