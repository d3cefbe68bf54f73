"""What an edit starts from: the source clip's final latents and what they show.

A job that ran here keeps them with its result (the job store's `.latents` artifact, same TTL
as the MP4); an uploaded MP4 is probed here, then decoded (generation/mux.py) and encoded
with the codecs by the Muxer stage's `encode_source`. Either way the edit reads a
`SourceLatents`.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import av
import torch
from safetensors.torch import load, save

from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.plan import Plan, ScriptError

UPLOAD_FIELD = "edit.source_mp4"


@dataclass(frozen=True)
class SourceShot:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class SourceMeta:
    fps: int
    width: int
    height: int
    sample_rate: int
    num_frames: int
    num_samples: int
    shots: tuple[SourceShot, ...]  # what the source was asked to show, for the edit's plan

    @property
    def duration_s(self) -> float:
        return self.num_frames / self.fps

    @classmethod
    def of_plan(cls, plan: Plan) -> SourceMeta:
        return cls(
            fps=plan.fps,
            width=plan.width,
            height=plan.height,
            sample_rate=plan.sample_rate,
            num_frames=plan.num_frames,
            num_samples=plan.num_samples,
            shots=tuple(SourceShot(s.start_s, s.end_s, s.text) for s in plan.shots),
        )


@dataclass(frozen=True, eq=False)
class SourceLatents:
    meta: SourceMeta
    xv: torch.Tensor  # (T, C, h, w) the source's final video latent, float16 as muxed
    xa: torch.Tensor  # (Ta, bins) its final audio latent

    def to_bytes(self) -> bytes:
        meta = json.dumps(
            {**self.meta.__dict__, "shots": [s.__dict__ for s in self.meta.shots]}
        ).encode()
        return save(
            {
                "xv": self.xv.contiguous(),
                "xa": self.xa.contiguous(),
                "meta": torch.frombuffer(bytearray(meta), dtype=torch.uint8),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SourceLatents:
        tensors = load(data)
        raw = json.loads(bytes(tensors["meta"].tolist()).decode())
        raw["shots"] = tuple(SourceShot(**s) for s in raw["shots"])
        return cls(SourceMeta(**raw), tensors["xv"], tensors["xa"])


def probe_upload(data: bytes, limits: Limits, max_seconds: float) -> float:
    """Seconds of video in an uploaded MP4, or ScriptError naming the upload field: checked at
    submission so a file that is not a video fails there, not in the runner."""
    if not data:
        raise ScriptError(UPLOAD_FIELD, "the uploaded video is empty")
    if len(data) > limits.max_file_bytes:
        raise ScriptError(UPLOAD_FIELD, f"the upload is over {limits.max_file_bytes} bytes")
    try:
        with av.open(io.BytesIO(data)) as container:
            if not container.streams.video:
                raise ScriptError(UPLOAD_FIELD, "the upload has no video stream")
            stream = container.streams.video[0]
            if stream.width * stream.height > limits.max_video_pixels:
                raise ScriptError(UPLOAD_FIELD, "the uploaded video's frames are too large")
            frames = sum(1 for _ in container.decode(video=0))
            rate = float(stream.average_rate or stream.guessed_rate or 0)
    except ScriptError:
        raise
    except Exception as error:  # PyAV raises many kinds for a file that is not a video
        raise ScriptError(UPLOAD_FIELD, f"not a readable video ({type(error).__name__})") from None
    if frames == 0 or rate <= 0:
        raise ScriptError(UPLOAD_FIELD, "the uploaded video has no frames")
    seconds = frames / rate
    if seconds > max_seconds:
        raise ScriptError(
            UPLOAD_FIELD, f"the uploaded video is {seconds:.1f}s, over {max_seconds:g}s"
        )
    return seconds
