"""A running job's latest preview in the job store (artifact `.preview`): the JPEG sprite with
the step it shows, so every replica's WatchJob and the HTTP API can serve it."""

from __future__ import annotations

import struct

from reelflow.pipeline.generation.preview import Preview

PREVIEW = ".preview"
_HEADER = struct.Struct("<iii")  # step, total, frames


def pack(preview: Preview) -> bytes:
    return _HEADER.pack(preview.step, preview.total, preview.frames) + preview.jpeg


def unpack(data: bytes) -> Preview:
    step, total, frames = _HEADER.unpack_from(data)
    return Preview(step=step, total=total, jpeg=data[_HEADER.size :], frames=frames)
