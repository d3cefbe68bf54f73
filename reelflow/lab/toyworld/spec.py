"""Ground truth of one toy-world clip: what is in it, shot by shot, as frozen dataclasses.

A `ClipSpec` fully determines the rendered frames, the soundtrack and the prompt (with its seed),
so a spec stored as JSON next to an MP4 is everything the evaluator needs.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

SHAPES = ("circle", "square", "triangle")
SUBJECTS = (*SHAPES, "face")
# Saturated, bright subject colours; the backgrounds are muted mid-tones so every pair contrasts.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (230, 40, 40),
    "green": (40, 200, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 220, 40),
    "white": (245, 245, 245),
    "purple": (150, 60, 210),
    "orange": (245, 140, 30),
    "cyan": (40, 220, 230),
}
MOVES = ("left", "right", "up", "down", "bounce", "still", "grow", "shrink")
ACTIONS = (*MOVES, "speak", "follow")  # speak: faces only; follow: needs a video reference
AUDIO = ("beep", "hum", "tone", "rain", "silence", "speech")
FRAMINGS = ("close-up", "medium", "wide")
BACKGROUNDS = ("day", "night", "room", "field")
LIGHTING = ("bright", "dim")
CAMERAS = ("static", "pan")
PATHS = ("circle", "zigzag", "figure8", "diagonal")  # trajectories a video reference can show


def _check(value: str, allowed: tuple[str, ...] | dict[str, Any], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {tuple(allowed)}, got {value!r}")


@dataclass(frozen=True)
class ShotSpec:
    start_s: float
    end_s: float
    framing: str = "medium"
    background: str = "day"
    lighting: str = "bright"
    rain: bool = False
    camera: str = "static"

    def __post_init__(self) -> None:
        if not 0 <= self.start_s < self.end_s:
            raise ValueError(f"shot needs 0 <= start < end, got {self.start_s}..{self.end_s}")
        _check(self.framing, FRAMINGS, "framing")
        _check(self.background, BACKGROUNDS, "background")
        _check(self.lighting, LIGHTING, "lighting")
        _check(self.camera, CAMERAS, "camera")


@dataclass(frozen=True)
class VideoRef:
    """A reference clip of a dot tracing `path`; the subject must follow the same trajectory."""

    path: str

    def __post_init__(self) -> None:
        _check(self.path, PATHS, "video reference path")


@dataclass(frozen=True)
class AudioRef:
    """A reference recording of a pure tone; that tone must be the soundtrack's pitch."""

    freq_hz: float

    def __post_init__(self) -> None:
        if not 250.0 <= self.freq_hz <= 1800.0:
            raise ValueError(f"audio reference tone must be 250..1800 Hz, got {self.freq_hz}")


@dataclass(frozen=True)
class ClipSpec:
    subject: str
    colour: str
    action: str
    audio: str
    shots: tuple[ShotSpec, ...]
    seed: int = 0
    dialogue: str | None = None
    fps: int = 16
    size: int = 64
    sample_rate: int = 16000
    image_ref: bool = False  # subject shown in @image1; the text does not say colour or shape
    video_ref: VideoRef | None = None
    audio_ref: AudioRef | None = None

    def __post_init__(self) -> None:
        _check(self.subject, SUBJECTS, "subject")
        _check(self.colour, COLOURS, "colour")
        _check(self.action, ACTIONS, "action")
        _check(self.audio, AUDIO, "audio")
        if not self.shots:
            raise ValueError("a clip needs at least one shot")
        if self.shots[0].start_s != 0:
            raise ValueError("the first shot must start at 0 s")
        for before, after in itertools.pairwise(self.shots):
            if before.end_s != after.start_s:
                raise ValueError("shots must be contiguous")
            # a cut must be visible: the same view on both sides would be no cut at all
            if (before.framing, before.background) == (after.framing, after.background):
                raise ValueError("framing or background must change at each cut")
        if not 8 <= self.fps <= 60:
            raise ValueError(f"fps must be 8..60, got {self.fps}")
        if self.size < 32 or self.size % 2:
            raise ValueError(f"size must be even and >= 32, got {self.size}")
        if not 1.0 <= self.duration_s <= 15.0:
            raise ValueError(f"duration must be 1..15 s, got {self.duration_s}")
        for shot in self.shots:  # cuts on frame boundaries, so cut times are exact
            for t in (shot.start_s, shot.end_s):
                if abs(t * self.fps - round(t * self.fps)) > 1e-6:
                    raise ValueError(f"shot boundary {t} s is not on a frame at {self.fps} fps")
        speaking = (self.action == "speak", self.audio == "speech", self.dialogue is not None)
        if len(set(speaking)) != 1:
            raise ValueError("action 'speak', audio 'speech' and dialogue go together")
        if self.action == "speak" and self.subject != "face":
            raise ValueError("only a face can speak")
        if (self.action == "bounce") != (self.audio == "beep"):
            raise ValueError("a bounce beeps at each contact, and beeps only come from bounces")
        if (self.action == "follow") != (self.video_ref is not None):
            raise ValueError("action 'follow' goes with a video reference")
        if self.audio_ref is not None and self.audio != "tone":
            raise ValueError("an audio reference sets the tone: audio must be 'tone'")
        if self.audio == "rain" and not all(shot.rain for shot in self.shots):
            raise ValueError("rain audio needs rain in every shot")

    @property
    def duration_s(self) -> float:
        return self.shots[-1].end_s

    @property
    def num_frames(self) -> int:
        return round(self.duration_s * self.fps)

    @property
    def num_samples(self) -> int:
        return round(self.duration_s * self.sample_rate)

    def shot_frames(self) -> tuple[tuple[int, int], ...]:
        """[start, end) frame range of each shot."""
        return tuple((round(s.start_s * self.fps), round(s.end_s * self.fps)) for s in self.shots)

    def cut_frames(self) -> tuple[int, ...]:
        """First frame of every shot after the first."""
        return tuple(start for start, _ in self.shot_frames()[1:])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipSpec:
        fields = dict(data)
        fields["shots"] = tuple(ShotSpec(**shot) for shot in data["shots"])
        if data.get("video_ref") is not None:
            fields["video_ref"] = VideoRef(**data["video_ref"])
        if data.get("audio_ref") is not None:
            fields["audio_ref"] = AudioRef(**data["audio_ref"])
        return cls(**fields)
