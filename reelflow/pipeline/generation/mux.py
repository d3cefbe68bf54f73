"""MP4 writer and readers: H.264 video + AAC audio with PyAV, sample-accurately aligned; and an
MP4 read at a target fps, size and sample rate (what the Muxer stage encodes into latents)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import torch
import torch.nn.functional as F

AAC_FRAME = 1024  # samples per AAC frame; the encoder wants exactly this many per call


@dataclass(frozen=True)
class DecodedMp4:
    frames: np.ndarray  # (T, H, W, 3) uint8
    audio: np.ndarray  # (N,) float32, mono
    fps: float
    sample_rate: int


@dataclass(frozen=True, eq=False)
class DecodedSource:
    frames: torch.Tensor  # (T, 3, H, W) in [-1, 1], at the target fps and size
    audio: torch.Tensor  # (N,) float32 mono at the target sample rate, N = T * sr / fps


def encode_mp4(
    frames: np.ndarray, audio: np.ndarray, fps: int, sample_rate: int, crf: int = 18
) -> bytes:
    """frames (T, H, W, 3) uint8 and audio (N,) float32 in [-1, 1] -> MP4 bytes.

    Audio frames carry explicit pts from 0 so the AAC encoder's priming delay becomes negative
    packet timestamps, which the MP4 muxer turns into an edit list: audio starts with frame 0
    instead of 64 ms late. The last AAC frame is zero-padded; the player trims it by duration.
    """
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
    num_frames, height, width, _ = frames.shape
    if height % 2 or width % 2:
        raise ValueError(f"H.264 yuv420p needs even sizes, got {width}x{height}")
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast", "tune": "zerolatency"}
        sound = container.add_stream("aac", rate=sample_rate, layout="mono")
        for index in range(num_frames):
            frame = av.VideoFrame.from_ndarray(frames[index], format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        samples = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
        padded = np.zeros(-(-len(samples) // AAC_FRAME) * AAC_FRAME, dtype=np.float32)
        padded[: len(samples)] = samples
        for start in range(0, len(padded), AAC_FRAME):
            chunk = av.AudioFrame.from_ndarray(
                padded[None, start : start + AAC_FRAME], format="fltp", layout="mono"
            )
            chunk.sample_rate = sample_rate
            chunk.pts = start
            chunk.time_base = Fraction(1, sample_rate)
            container.mux(sound.encode(chunk))
        container.mux(sound.encode(None))
    return buffer.getvalue()


def decode_mp4(data: bytes | str) -> DecodedMp4:
    """Read an MP4 (bytes or a path) back into frames and mono audio."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with av.open(source) as container:
        video = container.streams.video[0]
        fps = float(video.average_rate or video.guessed_rate or 0)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(io.BytesIO(data) if isinstance(data, bytes) else data) as container:
        sample_rate = container.streams.audio[0].sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks = []
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return DecodedMp4(np.stack(frames), audio.astype(np.float32), fps, sample_rate)


def decode_upload(
    data: bytes, fps: int, width: int, height: int, sample_rate: int
) -> DecodedSource:
    """Frames resampled to `fps` (nearest in time) and resized to width x height, the first
    audio stream mixed to mono at `sample_rate` (silence without one)."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or stream.guessed_rate)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    count = max(1, round(len(decoded) / rate * fps))
    picks = np.minimum((np.arange(count) / fps * rate).round().astype(int), len(decoded) - 1)
    frames = torch.from_numpy(np.stack([decoded[i] for i in picks])).permute(0, 3, 1, 2)
    frames = F.interpolate(frames.float(), size=(height, width), mode="area") / 127.5 - 1.0
    samples = round(count * sample_rate / fps)
    audio = np.zeros(samples, np.float32)
    with av.open(io.BytesIO(data)) as container:
        if container.streams.audio:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            chunks = [
                out.to_ndarray().reshape(-1)
                for frame in container.decode(audio=0)
                for out in resampler.resample(frame)
            ]
            if chunks:
                got = np.concatenate(chunks)[:samples]
                audio[: len(got)] = got
    return DecodedSource(frames.clamp(-1.0, 1.0), torch.from_numpy(audio))
