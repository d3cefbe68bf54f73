"""An LTX-2 clip as an MP4, muxed with PyAV like every other clip."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from reelflow.pipeline.generation.mux import encode_mp4


@dataclass(frozen=True, eq=False)
class LTX2Decoded:
    frames: torch.Tensor  # (T, 3, H, W) float in [0, 1]
    audio: torch.Tensor  # (channels, N) float waveform
    sample_rate: int


def to_mp4(decoded: LTX2Decoded, frame_rate: float) -> bytes:
    """H.264 + AAC; the vocoder's channels are mixed to mono (the muxer writes one track), and
    the sound is cut or padded with silence to the picture's length."""
    frames = (decoded.frames.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    samples = round(len(frames) * decoded.sample_rate / frame_rate)
    audio = np.zeros(samples, np.float32)
    mono = decoded.audio.mean(0).clamp(-1, 1).numpy()[:samples]
    audio[: len(mono)] = mono
    return encode_mp4(frames, audio, round(frame_rate), decoded.sample_rate)
