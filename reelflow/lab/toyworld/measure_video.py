"""Per-frame measurements of a video against what its spec says the empty scene looks like.

The evaluator redraws the background each frame should have (the world is analytic) and calls
everything that differs from it by more than FOREGROUND the subject. The prompt names the scene,
the lighting and the camera but not the view's horizon height, so each shot is measured against
whichever of the world's HORIZONS leaves the fewest foreground pixels (a render's own view).
From that mask it reads the subject's centroid, size, fill ratio (shape), interior holes (a
face's eyes and mouth), colour and mouth opening. Nothing here looks at the ground-truth track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelflow.lab.toyworld.render import (
    HORIZONS,
    LIGHT,
    background,
    shot_index_per_frame,
)
from reelflow.lab.toyworld.spec import COLOURS, ClipSpec

FOREGROUND = 30.0  # max channel difference from the redrawn background, in unlit 0..255 units
HOLE = 90.0  # an interior pixel this far from the subject's colour is a hole (eye, mouth)


@dataclass(frozen=True, eq=False)
class VideoMeasure:
    present: np.ndarray  # (T,) bool: a subject was found
    centroid: np.ndarray  # (T, 2) float, (x, y) pixels; NaN where absent
    size: np.ndarray  # (T,) float, mean of bounding-box width and height in pixels
    fill: np.ndarray  # (T,) float, filled area / bounding-box area
    holes: np.ndarray  # (T,) float, interior fraction unlike the subject colour
    taper: np.ndarray  # (T,) float, width a quarter down / width three quarters down
    mouth: np.ndarray  # (T,) float, darkness where a face's mouth would be
    colour: np.ndarray  # (T, 3) float, median unlit subject colour
    frame_diff: np.ndarray  # (T,) float, mean |frame - previous frame| off the subject; 0 first


def _erode(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] &= mask[:-1]
    out[:-1] &= mask[1:]
    out[:, 1:] &= mask[:, :-1]
    out[:, :-1] &= mask[:, 1:]
    out[0], out[-1], out[:, 0], out[:, -1] = False, False, False, False
    return out


def _dilate(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def _row_fill(mask: np.ndarray) -> np.ndarray:
    """Fill each row between its first and last set pixel: closes a face's eyes and mouth."""
    from_left = np.maximum.accumulate(mask, axis=1)
    from_right = np.maximum.accumulate(mask[:, ::-1], axis=1)[:, ::-1]
    return from_left & from_right


def classify_colour(rgb: np.ndarray) -> str:
    """Nearest palette hue; low saturation is white (dim white is grey)."""
    high, low = float(rgb.max()), float(rgb.min())
    if high <= 0 or (high - low) / high < 0.35:
        return "white"
    hue = _hue(rgb)
    chromatic = {name: _hue(np.array(c, float)) for name, c in COLOURS.items() if name != "white"}
    return min(chromatic, key=lambda name: abs((chromatic[name] - hue + 180) % 360 - 180))


def _hue(rgb: np.ndarray) -> float:
    r, g, b = (float(v) for v in rgb)
    high, low = max(r, g, b), min(r, g, b)
    if high == low:
        return 0.0
    if high == r:
        h = (g - b) / (high - low) % 6
    elif high == g:
        h = (b - r) / (high - low) + 2
    else:
        h = (r - g) / (high - low) + 4
    return 60.0 * h


def _foreground(image: np.ndarray, empty: np.ndarray) -> np.ndarray:
    return np.abs(image - empty).max(axis=-1) > FOREGROUND


def fitted_horizons(frames: np.ndarray, spec: ClipSpec, samples: int = 4) -> list[float]:
    """Per shot, the horizon of HORIZONS that leaves the fewest foreground pixels over up to
    `samples` of its frames: the view the picture shows, which the prompt does not state."""
    out = []
    for index, (start, end) in enumerate(spec.shot_frames()):
        end = min(end, len(frames))
        picks = np.unique(np.linspace(start, max(start, end - 1), samples).round().astype(int))
        unlit = [frames[f] / LIGHT[spec.shots[index].lighting] for f in picks]
        leftover = [
            sum(
                int(_foreground(image, background(spec, index, f, horizon)).sum())
                for f, image in zip(picks, unlit, strict=True)
            )
            for horizon in HORIZONS
        ]
        out.append(HORIZONS[int(np.argmin(leftover))])
    return out


def measure_video(frames: np.ndarray, spec: ClipSpec) -> VideoMeasure:
    """frames (T, H, W, 3) uint8 of a clip made for `spec` -> per-frame measurements."""
    n = min(len(frames), spec.num_frames)
    size = spec.size
    if frames.shape[1:3] != (size, size):
        raise ValueError(f"frames are {frames.shape[1:3]}, spec says {size}x{size}")
    shots = shot_index_per_frame(spec)
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    out = {
        "present": np.zeros(n, bool),
        "centroid": np.full((n, 2), np.nan),
        "size": np.full(n, np.nan),
        "fill": np.full(n, np.nan),
        "holes": np.full(n, np.nan),
        "taper": np.full(n, np.nan),
        "mouth": np.full(n, np.nan),
        "colour": np.full((n, 3), np.nan),
        "frame_diff": np.zeros(n),
    }
    horizons = fitted_horizons(frames[:n], spec)
    cached: dict[int, np.ndarray] = {}
    previous = np.zeros((size, size), bool)
    for f in range(n):
        index = int(shots[f])
        shot = spec.shots[index]
        light = LIGHT[shot.lighting]
        if shot.camera == "pan":
            empty = background(spec, index, f, horizons[index])
        else:
            if index not in cached:
                cached[index] = background(spec, index, f, horizons[index])
            empty = cached[index]
        image = frames[f].astype(np.float64) / light  # unlit, so thresholds hold in dim light
        mask = _foreground(image, empty)
        mask = _dilate(_erode(mask))  # opening: drops specks and thin streaks
        filled = _row_fill(mask)
        if f:
            # cuts are read off the background: a fast subject must not look like a cut
            keep = ~(_dilate(filled) | previous)
            change = np.abs(frames[f].astype(float) - frames[f - 1]).mean(axis=-1)
            out["frame_diff"][f] = change[keep].mean() if keep.mean() > 0.1 else change.mean()
        previous = _dilate(filled)
        if filled.sum() < 4:
            continue
        ys, xs = rows[filled], cols[filled]
        cx, cy = xs.mean(), ys.mean()
        width = xs.max() - xs.min() + 1
        height = ys.max() - ys.min() + 1
        # two pixels in: H.264's half-resolution chroma smears the edge's colour into its neighbour
        interior = _erode(_erode(filled))
        body = interior & mask
        if not body.any():
            body = filled
        colour = np.median(image[body], axis=0)
        far = np.abs(image - colour).max(axis=-1) > HOLE
        r = (width + height) / 4
        in_mouth = (np.abs(cols - cx) <= 0.42 * r) & (np.abs(rows - (cy + 0.38 * r)) <= 0.34 * r)
        lum = image.mean(axis=-1)
        dark = np.clip(1.0 - lum / max(1.0, float(colour.mean())), 0, 1)
        out["present"][f] = True
        out["centroid"][f] = (cx, cy)
        out["size"][f] = (width + height) / 2
        out["fill"][f] = filled.sum() / (width * height)
        widths = filled.sum(axis=1)
        top, bottom = int(ys.min()), int(ys.max())
        quarter = widths[round(top + 0.25 * (bottom - top))]
        three_quarters = widths[round(top + 0.75 * (bottom - top))]
        out["taper"][f] = quarter / max(1, three_quarters)
        out["holes"][f] = (far & interior).sum() / max(1, interior.sum())
        out["mouth"][f] = dark[in_mouth].mean() if in_mouth.any() else 0.0
        out["colour"][f] = colour
    return VideoMeasure(**out)


def classify_shape(fill: float, holes: float, taper: float) -> str:
    """A face has eyes; a triangle (apex up) is ~1/3 as wide near its top as near its base,
    which survives blurred edges better than its fill ratio; a square fills its box."""
    if holes > 0.015:  # shapes measure 0; a face at its smallest still ~0.03
        return "face"
    if taper < 0.7:
        return "triangle"
    return "square" if fill > 0.9 else "circle"


def speckle(frames: np.ndarray) -> float:
    """Frame fidelity: mean |frame - its 3x3 median| in 0..255 units. Smooth renders score
    below 1; blocks, speckle and coloured noise score several times more."""
    video = frames.astype(np.float32)
    _, h, w, _ = video.shape
    padded = np.pad(video, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    shifted = [padded[:, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]
    return float(np.abs(video - np.median(np.stack(shifted), axis=0)).mean())


def flicker(frames: np.ndarray, spec: ClipSpec) -> float:
    """Mean |frame - mean of its neighbours| within shots: ~0 for smooth motion, high for noise."""
    video = frames[: spec.num_frames].astype(np.float64)
    shots = shot_index_per_frame(spec)[: len(video)]
    values = []
    for f in range(1, len(video) - 1):
        if shots[f - 1] == shots[f] == shots[f + 1]:
            values.append(np.abs(video[f] - (video[f - 1] + video[f + 1]) / 2).mean())
    return float(np.mean(values)) if values else 0.0
