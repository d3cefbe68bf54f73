"""Contact sheets: every frame of a clip on one image, and one overview of many clips, so that a
person looks at what the model made instead of only reading the evaluator's table."""

from __future__ import annotations

import numpy as np


def _grid(frames: np.ndarray, columns: int, gap: int = 2) -> np.ndarray:
    """(N, H, W, 3) -> (rows * (H + gap), columns * (W + gap), 3), gaps dark grey."""
    n, h, w, _ = frames.shape
    rows = -(-n // columns)
    out = np.full((rows * (h + gap), columns * (w + gap), 3), 40, dtype=np.uint8)
    for index, frame in enumerate(frames):
        r, c = divmod(index, columns)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = frame
    return out


def contact_sheet(frames: np.ndarray, columns: int = 8, scale: int = 2) -> np.ndarray:
    """(T, H, W, 3) uint8 -> every frame, `columns` to a row, scaled up `scale`x (nearest)."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"frames must be (T, H, W, 3) with T >= 1, got {frames.shape}")
    big = frames.repeat(scale, axis=1).repeat(scale, axis=2)
    return _grid(big, columns)


def overview(clips: list[np.ndarray], per_clip: int = 8) -> np.ndarray:
    """One row per clip: `per_clip` frames evenly spaced from its first to its last."""
    if not clips:
        raise ValueError("an overview needs at least one clip")
    rows = []
    for frames in clips:
        picks = np.linspace(0, len(frames) - 1, per_clip).round().astype(int)
        rows.append(frames[picks])
    return _grid(np.concatenate(rows), per_clip)
