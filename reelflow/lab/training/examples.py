"""World clips as training examples: latents plus the conditioning the prompt encoder makes.

Each example goes through the same `PromptEncoderStage.encode` as generation does (text and
reference tokens), so training sees exactly what sampling will feed the branches. Its prompt is
written in the grammar's train phrasing (wording/prompts.py): training never sees a held-out
wording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from reelflow.lab.toyworld.files import attachments
from reelflow.lab.toyworld.sample import sample_spec
from reelflow.lab.toyworld.spec import ClipSpec
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.lab.toyworld.world import render_clip
from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.generation.stages import PromptEncoderStage
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.model.video_autoencoder import from_frames
from reelflow.pipeline.script.parser import parse


@dataclass(frozen=True, eq=False)
class Example:
    video: torch.Tensor  # (T, C, h, w) float16 clean video latent
    audio: torch.Tensor  # (N,) float16 waveform; cropped with the video, then encoded
    cond: Conditioning
    keyframe_of_frame: torch.Tensor  # (T,) int64: the frame index of each frame's shot start


class ExampleMaker:
    def __init__(self, preset: Preset, encoder: PromptEncoderStage, fps: int):
        self.preset = preset
        self.encoder = encoder
        self.fps = fps

    def spec(self, rng: np.random.Generator, split: str = "train") -> ClipSpec:
        """The clip an example made from `rng` shows (drawn first, so it is cheap to redo)."""
        return sample_spec(rng, split=split, fps=self.fps, duration_s=(2, 4))

    def prompt(self, spec: ClipSpec) -> str:
        """The prompt an example of `spec` is conditioned on (its wording from the spec's seed)."""
        return prompt_text(spec, "train")

    @torch.inference_mode()
    def make(self, rng: np.random.Generator, split: str = "train") -> Example:
        spec = self.spec(rng, split)
        clip = render_clip(spec)
        plan = parse(
            self.prompt(spec),
            duration_s=clip.frames.shape[0] / clip.fps,
            fps=clip.fps,
            width=clip.frames.shape[2],
            height=clip.frames.shape[1],
            sample_rate=clip.sample_rate,
            references=attachments(spec),  # decoded as for users
        )
        cond = self.encoder.encode(plan)
        video = self.encoder.video_codec.encode(from_frames(clip.frames)).half()
        starts = torch.tensor([shot.start_frame for shot in plan.shots])
        return Example(
            video=video,
            audio=torch.from_numpy(clip.audio).half(),
            cond=cond,
            keyframe_of_frame=starts[cond.shot_of_frame],
        )
