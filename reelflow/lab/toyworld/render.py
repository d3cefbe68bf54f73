"""Frames of a toy-world clip in numpy: procedural backgrounds, rain, an anti-aliased subject.

Everything is a function of (spec, frame index), so a clip renders identically every time and the
evaluator can redraw the empty background of any frame to find the subject against it.
"""

from __future__ import annotations

import numpy as np

from reelflow.lab.toyworld.motion import FRAMING_SIZE, Track
from reelflow.lab.toyworld.spec import COLOURS, ClipSpec

LIGHT = {"bright": 1.0, "dim": 0.55}  # brightness multiplier of the whole picture
PAN_SPEED = 0.75  # pixels per frame the background slides while the camera pans right
HORIZONS = (0.5, 0.62, 0.74, 0.86)  # horizon height per view; consecutive shots differ
FEATURE = np.array([30.0, 20.0, 25.0])  # eyes and mouth of the face
RAIN = np.array([200.0, 205.0, 220.0])
RAIN_ALPHA = 0.12  # faint, so a streak is never mistaken for the subject
RAIN_DROPS = 14
# Muted mid-tone palettes (top of sky, bottom of sky, ground): every subject colour differs
# from every background pixel by a wide margin in at least one channel.
PALETTES = {
    "day": ((150, 175, 200), (170, 190, 210), (120, 125, 100)),
    "night": ((22, 26, 52), (45, 50, 85), (16, 18, 22)),
    "room": ((140, 120, 100), (140, 120, 100), (95, 75, 60)),
    "field": ((150, 180, 205), (170, 195, 215), (95, 125, 70)),
}


def shot_view(spec: ClipSpec, index: int) -> tuple[float, float]:
    """(horizontal offset in pixels, horizon as a fraction of the height) of a shot's view."""
    offset = float(np.random.default_rng([spec.seed, 2, index]).uniform(0, 400))
    return offset, HORIZONS[(spec.seed + index) % len(HORIZONS)]


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    coords = np.arange(size, dtype=np.float64) + 0.5  # pixel centres
    return np.meshgrid(coords, coords)  # X (cols), Y (rows)


def background(
    spec: ClipSpec, shot_index: int, frame: int, horizon: float | None = None
) -> np.ndarray:
    """Unlit (H, W, 3) float64 background of `frame` (absolute index) in shot `shot_index`;
    `horizon` overrides the shot's own view height (the evaluator tries each of HORIZONS)."""
    shot = spec.shots[shot_index]
    size = spec.size
    offset, own_horizon = shot_view(spec, shot_index)
    horizon = own_horizon if horizon is None else horizon
    start = spec.shot_frames()[shot_index][0]
    if shot.camera == "pan":
        offset += PAN_SPEED * (frame - start) * size / 64
    cols, rows = _grid(size)
    X = (cols + offset) * 64 / size  # world coordinates in 64-pixel units: same look at any size
    Y = rows * 64 / size
    top, bottom, ground = (np.array(c, dtype=np.float64) for c in PALETTES[shot.background])
    h = horizon * 64
    t = np.clip(Y / h, 0, 1)[..., None]
    sky = top * (1 - t) + bottom * t
    floor = np.broadcast_to(ground, sky.shape).copy()
    kind = shot.background
    if kind == "day":
        cloud = np.clip(np.sin(2 * np.pi * X / 41) * np.sin(2 * np.pi * Y / 19 + 1.3), 0, 1)
        sky += 0.25 * cloud[..., None] * (np.array([195.0, 205, 215]) - sky)
        floor += (8 * np.sin(2 * np.pi * X / 9 + 0.5 * Y))[..., None]
    elif kind == "night":
        stars = np.random.default_rng([spec.seed, 3]).uniform(0, 1, size=(RAIN_DROPS, 2))
        for sx, sy in stars:
            dx = (X - sx * 256 + 128) % 256 - 128  # stars repeat every 256 px of pan
            glow = np.exp(-(dx**2 + (Y - sy * h * 0.9) ** 2) / 0.8)
            sky += 80 * glow[..., None]
        floor += (4 * np.sin(2 * np.pi * X / 13))[..., None]
    elif kind == "room":
        sky += (10 * np.sin(2 * np.pi * X / 12))[..., None]  # wallpaper stripes
        floor += (7 * np.sin(2 * np.pi * X / 16 + 0.2 * Y))[..., None]  # floorboards
    else:
        floor += (10 * np.sin(2 * np.pi * X / 7 + 0.8 * Y))[..., None]  # grass blades
    below = np.clip(Y - h + 0.5, 0, 1)[..., None]  # anti-aliased horizon line
    return sky * (1 - below) + floor * below


def rain_alpha(spec: ClipSpec, frame: int) -> np.ndarray:
    """(H, W) opacity of the falling streaks in `frame`: drops fall 5 px per frame, slanted."""
    size = spec.size
    drops = np.random.default_rng([spec.seed, 4]).uniform(0, 1, size=(RAIN_DROPS, 2))
    alpha = np.zeros((size, size))
    step = 5 * size / 64
    for k in range(int(6 * size / 64)):  # streak length in pixels
        ys = (drops[:, 1] * (size + 8) + step * frame + k) % (size + 8) - 4
        xs = (drops[:, 0] * size + 0.3 * ys) % size
        inside = (ys >= 0) & (ys < size)
        alpha[ys[inside].astype(int), xs[inside].astype(int)] = RAIN_ALPHA
    return alpha


def _coverage(signed_distance: np.ndarray) -> np.ndarray:
    """Anti-aliasing: pixel coverage from a signed distance in pixels (negative inside)."""
    return np.clip(0.5 - signed_distance, 0.0, 1.0)


def _ellipse(X: np.ndarray, Y: np.ndarray, cx: float, cy: float, ax: float, ay: float):
    k = np.sqrt(((X - cx) / ax) ** 2 + ((Y - cy) / ay) ** 2)
    return _coverage((k - 1.0) * min(ax, ay))


def subject_coverage(
    kind: str, cx: float, cy: float, diameter: float, size: int, mouth: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(body, features) coverage in [0, 1], (H, W) each; features are the face's eyes and mouth.

    (cx, cy) is the area centroid in pixels, so the evaluator's centroid is the track's.
    """
    X, Y = _grid(size)
    r = diameter / 2
    features = np.zeros((size, size))
    if kind in ("circle", "face"):
        body = _coverage(np.hypot(X - cx, Y - cy) - r)
        if kind == "face":
            eye = 0.17 * r
            for side in (-1, 1):
                features = np.maximum(
                    features, _ellipse(X, Y, cx + side * 0.38 * r, cy - 0.28 * r, eye, eye)
                )
            mouth_h = 0.04 * r + 0.3 * r * float(np.clip(mouth, 0, 1))
            features = np.maximum(features, _ellipse(X, Y, cx, cy + 0.38 * r, 0.42 * r, mouth_h))
    elif kind == "square":
        qx, qy = np.abs(X - cx) - r, np.abs(Y - cy) - r
        outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
        body = _coverage(outside + np.minimum(np.maximum(qx, qy), 0))
    elif kind == "triangle":
        # apex up, width = height = diameter; the area centroid sits 2/3 of the way down
        top, base = cy - 2 * diameter / 3, cy + diameter / 3
        slope = np.hypot(1.0, 0.5)  # edge normal length for the sides (half-width per height)
        left = ((cx - X) - 0.5 * (Y - top)) / slope
        right = ((X - cx) - 0.5 * (Y - top)) / slope
        body = _coverage(np.maximum(np.maximum(left, right), Y - base))
    else:
        raise ValueError(f"unknown subject {kind!r}")
    return body, features * body


def subject_diameter(spec: ClipSpec, shot_index: int, scale: float) -> float:
    return FRAMING_SIZE[spec.shots[shot_index].framing] * spec.size * scale


def shot_index_per_frame(spec: ClipSpec) -> np.ndarray:
    out = np.zeros(spec.num_frames, dtype=np.int64)
    for index, (start, end) in enumerate(spec.shot_frames()):
        out[start:end] = index
    return out


def render_frames(spec: ClipSpec, track: Track, mouth: np.ndarray | None = None) -> np.ndarray:
    """(T, H, W, 3) uint8 frames; `mouth` (T,) in [0, 1] opens the face's mouth."""
    n, size = spec.num_frames, spec.size
    colour = np.array(COLOURS[spec.colour], dtype=np.float64)
    shots = shot_index_per_frame(spec)
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    cached: dict[int, np.ndarray] = {}
    for f in range(n):
        index = int(shots[f])
        shot = spec.shots[index]
        if shot.camera == "pan":
            image = background(spec, index, f)
        else:  # a static view is the same every frame of the shot
            if index not in cached:
                cached[index] = background(spec, index, f)
            image = cached[index].copy()
        if shot.rain:
            a = rain_alpha(spec, f)[..., None]
            image = image * (1 - a) + RAIN * a
        diameter = subject_diameter(spec, index, float(track.scale[f]))
        opening = float(mouth[f]) if mouth is not None else 0.0
        body, features = subject_coverage(
            spec.subject, track.x[f] * size, track.y[f] * size, diameter, size, opening
        )
        image = image * (1 - body[..., None]) + colour * body[..., None]
        image = image * (1 - features[..., None]) + FEATURE * features[..., None]
        out[f] = np.clip(np.rint(image * LIGHT[shot.lighting]), 0, 255).astype(np.uint8)
    return out
