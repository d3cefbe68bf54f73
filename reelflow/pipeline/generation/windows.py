"""Windows over a clip's frames or audio tokens: the video and audio branches run over windows
of the length they were trained on, tiling the clip, so time grows linearly with duration and no
position is one the model has not seen."""

from __future__ import annotations

import torch


def spans(low: torch.Tensor, high: torch.Tensor, limit: int) -> torch.Tensor:
    """(W, K) row indices: for each window the rows low..high (inclusive), widened to the
    widest window's K so windows batch together, and shifted to stay below `limit`."""
    width = int((high - low).max()) + 1
    start = low.clamp(max=limit - width)
    return start[:, None] + torch.arange(width)


def window_starts(total: int, size: int, phase: int) -> list[int]:
    """Starts of windows of `size` tiling [0, total) side by side, the tiling shifted by half a
    window on odd `phase`s: alternating the phase every denoising step moves the seams, so no
    frame sits at a window edge twice in a row, at one pass over the clip per step (half-
    overlapping windows cost two). The windows at the ends are moved inside the clip."""
    if size <= 0 or total <= size:
        return [0]
    offset = (size // 2) * (phase % 2)
    starts = list(range(offset, total - size + 1, size))
    if offset:
        starts.insert(0, 0)
    if starts[-1] + size < total:
        starts.append(total - size)
    return starts


def window_index(total: int, size: int, phase: int) -> torch.Tensor:
    """(windows, length) row indices of the windows `window_starts` gives."""
    length = min(total, size) if size > 0 else total
    return torch.stack([torch.arange(s, s + length) for s in window_starts(total, size, phase)])


def blend(outputs: torch.Tensor, index: torch.Tensor, total: int) -> torch.Tensor:
    """Overlap-add windowed outputs (W, F, ...) at rows `index` (W, F) into (total, ...), with
    triangular weights so each window fades out at its edges (no seam at a window boundary)."""
    if outputs.shape[0] == 1 and index.shape[1] == total:
        return outputs[0]
    size = index.shape[1]
    ramp = torch.minimum(torch.arange(1, size + 1), torch.arange(size, 0, -1)).float()
    weights = ramp.expand(index.shape).reshape(-1)
    shape = (total, *outputs.shape[2:])
    summed = torch.zeros(shape).index_add_(
        0, index.reshape(-1), outputs.flatten(0, 1) * weights.view(-1, *[1] * (outputs.ndim - 2))
    )
    norm = torch.zeros(total).index_add_(0, index.reshape(-1), weights)
    return summed / norm.view(-1, *[1] * (outputs.ndim - 2))
