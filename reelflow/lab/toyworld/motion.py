"""Where the subject is in every frame: the one trajectory that picture, sound and evaluator share.

Positions are fractions of the frame (x right, y down) and continue across cuts: a cut changes the
view (framing, background), not where the subject is on screen. `scale` multiplies the framing's
base size, so grow/shrink compose with close-up/medium/wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelflow.lab.toyworld.spec import PATHS, ClipSpec

# Subject diameter as a fraction of the frame per framing: each step is ~1.6x, so a framing stays
# recognisable even while the subject grows or shrinks by GROWTH.
FRAMING_SIZE = {"close-up": 0.5, "medium": 0.31, "wide": 0.19}
GROWTH = (0.75, 1.35)  # scale at the start and end of a "grow" clip (reversed for "shrink")
# A left/right/up/down move travels TRAVEL from a start drawn from START, the same range for
# every direction: the first frame never says which way the subject will go, only the words do.
TRAVEL = 0.25
START = (0.375, 0.625)
GROUND_Y = 0.7  # centroid height at a bounce's ground contact
BOUNCE_HEIGHT = 0.3


@dataclass(frozen=True)
class Track:
    x: np.ndarray  # (T,) float, centroid as a fraction of the width
    y: np.ndarray  # (T,) float, centroid as a fraction of the height
    scale: np.ndarray  # (T,) float, size relative to the framing's base size
    contacts: tuple[int, ...]  # frames at which a bounce touches the ground

    def __post_init__(self) -> None:
        if not self.x.shape == self.y.shape == self.scale.shape:
            raise ValueError("x, y and scale must have the same shape")


def bounce_period(fps: int) -> int:
    """Frames between ground contacts: an integer so contacts fall exactly on frames."""
    return max(6, round(0.625 * fps))


def bounce_contacts(num_frames: int, fps: int) -> tuple[int, ...]:
    period = bounce_period(fps)
    return tuple(range(period // 2, num_frames, period))


def path_xy(path: str, num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """The trajectory a video reference shows, over the whole clip."""
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}")
    u = np.linspace(0.0, 1.0, num_frames) if num_frames > 1 else np.zeros(1)
    if path == "circle":
        return 0.5 + 0.2 * np.cos(2 * np.pi * u), 0.5 + 0.2 * np.sin(2 * np.pi * u)
    if path == "zigzag":
        wave = 2 * np.abs(((3 * u) % 1.0) - 0.5)  # triangle wave, three teeth
        return 0.3 + 0.4 * u, 0.3 + 0.4 * wave
    if path == "figure8":
        return 0.5 + 0.2 * np.sin(2 * np.pi * u), 0.5 + 0.15 * np.sin(4 * np.pi * u)
    return 0.3 + 0.4 * u, 0.3 + 0.4 * u  # diagonal


def subject_track(spec: ClipSpec) -> Track:
    n = spec.num_frames
    rng = np.random.default_rng([spec.seed, 1])
    jitter = rng.uniform(-0.05, 0.05, size=2)  # where a still subject sits varies a little
    start = rng.uniform(*START)
    u = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)
    x = np.full(n, 0.5 + jitter[0])
    y = np.full(n, 0.5 + jitter[1])
    scale = np.ones(n)
    contacts: tuple[int, ...] = ()
    if spec.action in ("left", "right", "up", "down"):
        sign = 1.0 if spec.action in ("right", "down") else -1.0
        travel = start + sign * TRAVEL * u
        if spec.action in ("left", "right"):
            x = travel
        else:
            y = travel
    elif spec.action in ("grow", "shrink"):
        lo, hi = np.log(GROWTH[0]), np.log(GROWTH[1])
        scale = np.exp(lo + (hi - lo) * u if spec.action == "grow" else hi + (lo - hi) * u)
    elif spec.action == "bounce":
        period = bounce_period(spec.fps)
        contacts = bounce_contacts(n, spec.fps)
        phase = np.pi * (np.arange(n) - period // 2) / period
        # |sin| makes a sharp V at each contact, so the contact frame is unambiguous
        y = GROUND_Y - BOUNCE_HEIGHT * np.abs(np.sin(phase))
    elif spec.action == "follow":
        assert spec.video_ref is not None
        x, y = path_xy(spec.video_ref.path, n)
    return Track(x=np.asarray(x, float), y=np.asarray(y, float), scale=scale, contacts=contacts)
