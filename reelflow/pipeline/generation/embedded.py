"""The embedded path: all five stages as local objects in this process, no Ray, no network."""

from __future__ import annotations

import asyncio
from pathlib import Path

import torch

from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.generation.stages import (
    AudioStage,
    MuxerStage,
    PromptEncoderStage,
    SpatialStage,
    TemporalStage,
)
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import Plan


class LocalStages:
    """Implements stage_protocol.Stages over in-process stage objects. The two branches of a
    step run in worker threads, so they overlap where torch releases the GIL."""

    def __init__(self, preset: Preset, checkpoint: Path | None):
        self.encoder = PromptEncoderStage(preset, checkpoint)
        self.spatial = SpatialStage(preset, checkpoint)
        self.temporal = TemporalStage(preset, checkpoint)
        self.audio = AudioStage(preset, checkpoint)
        self.muxer = MuxerStage(preset, checkpoint)

    @property
    def trained(self) -> bool:
        return self.spatial.trained and self.temporal.trained and self.audio.trained

    async def encode(self, plan: Plan) -> Conditioning:
        return await asyncio.to_thread(self.encoder.encode, plan)

    async def keyframes(self, cond, seed, steps, guidance, shift, height, width) -> torch.Tensor:
        return await asyncio.to_thread(
            self.spatial.keyframes, cond, seed, steps, guidance, shift, height, width
        )

    async def temporal_velocity(
        self, xv, xa, t, cond, keyframes, guidance, phase=0
    ) -> torch.Tensor:
        return await asyncio.to_thread(
            self.temporal.velocity, xv, xa, t, cond, keyframes, guidance, phase
        )

    async def audio_velocity(self, xa, xv, t, cond, guidance, phase=0) -> torch.Tensor:
        return await asyncio.to_thread(self.audio.velocity, xa, xv, t, cond, guidance, phase)

    async def spatial_velocity(self, xv, t, cond, guidance) -> torch.Tensor:
        return await asyncio.to_thread(self.spatial.velocity, xv, t, cond, guidance)

    async def decode_and_mux(self, xv, xa, fps, sample_rate, num_samples) -> bytes:
        return await asyncio.to_thread(
            self.muxer.decode_and_mux, xv, xa, fps, sample_rate, num_samples
        )

    async def encode_source(self, mp4, fps, width, height, sample_rate):
        return await asyncio.to_thread(
            self.muxer.encode_source, mp4, fps, width, height, sample_rate
        )

    async def preview(self, x0) -> bytes:
        return await asyncio.to_thread(self.muxer.preview, x0)
