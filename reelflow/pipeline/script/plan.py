"""The parsed generation plan: what every stage receives, independent of how it was written.

`script.parse` builds a `Plan` from a prompt script; stages only ever read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

REFERENCE_KINDS = ("image", "video", "audio")
REFERENCE_ROLES = (
    "first_frame",
    "last_frame",
    "appearance",
    "motion",
    "soundtrack",
    "voice",
    "ambient",
)


class ScriptError(ValueError):
    """A prompt or request that cannot be planned, with where it went wrong.

    `field` names the request field ("prompt", "duration", "references[image1]", ...);
    `span` is the [start, end) character span inside that field's text, when there is one.
    """

    def __init__(self, field: str, message: str, span: tuple[int, int] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.span = span

    def __str__(self) -> str:
        where = f" (characters {self.span[0]}-{self.span[1]})" if self.span else ""
        return f"{self.field}: {self.message}{where}"


@dataclass(frozen=True)
class Camera:
    """Structured camera hints recognised in a shot's text; None where nothing was said."""

    framing: str | None = None  # "close-up" | "medium shot" | "wide shot" | "over-the-shoulder"
    movement: str | None = None  # "static" | "pan left" | "pan right" | "zoom in" | ...


@dataclass(frozen=True)
class Dialogue:
    speaker: str | None
    text: str


@dataclass(frozen=True)
class Shot:
    index: int
    start_s: float
    end_s: float
    start_frame: int  # inclusive
    end_frame: int  # exclusive
    text: str  # what the text encoder reads: global description + this shot's description
    camera: Camera = field(default_factory=Camera)
    dialogue: tuple[Dialogue, ...] = ()
    mentions: tuple[str, ...] = ()  # reference names mentioned in this shot, e.g. ("image1",)
    span: tuple[int, int] = (0, 0)  # character span of the shot in the prompt

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass(frozen=True, eq=False)
class Reference:
    """An attached file, decoded. Arrays: image (H, W, 3) uint8; video (T, H, W, 3) uint8;
    audio (N,) float32 mono at the plan's sample rate."""

    name: str  # "image1", "video2", "audio1"
    kind: str  # one of REFERENCE_KINDS
    role: str | None
    data: np.ndarray


@dataclass(frozen=True, eq=False)
class Plan:
    prompt: str
    duration_s: float
    fps: int
    width: int
    height: int
    sample_rate: int
    shots: tuple[Shot, ...]
    references: tuple[Reference, ...] = ()
    global_text: str = ""
    # What guidance pushes away from instead of the empty prompt ("" = the empty prompt).
    negative_prompt: str = ""

    @property
    def num_frames(self) -> int:
        return self.shots[-1].end_frame if self.shots else 0

    @property
    def num_samples(self) -> int:
        return round(self.num_frames * self.sample_rate / self.fps)

    def shot_index_per_frame(self) -> np.ndarray:
        """(num_frames,) int64: which shot each frame belongs to."""
        out = np.zeros(self.num_frames, dtype=np.int64)
        for shot in self.shots:
            out[shot.start_frame : shot.end_frame] = shot.index
        return out
