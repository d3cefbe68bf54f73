"""GET /v1/videos/{id}/content variants: the MP4 itself (with HTTP range requests, so a
browser's <video> can seek), a WebP thumbnail, and a JPEG sprite sheet of frames. The images
are made from the stored MP4 on request: they cost a decode of a short clip."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from reelflow.services.api.http.errors import HttpError

SPRITE_COLUMNS = 4
SPRITE_FRAMES = 16
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    def header(self, total: int) -> str:
        return f"bytes {self.start}-{self.end}/{total}"


def byte_range(header: str | None, total: int) -> ByteRange | None:
    """The one range of a `Range: bytes=...` header (None: the whole file); 416 when it lies
    outside the file. Multi-range requests get the whole file, as RFC 9110 allows."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), total - 1) if match[2] else total - 1
    else:  # bytes=-N: the last N bytes
        start, end = max(0, total - int(match[2])), total - 1
    if start >= total or end < start:
        raise HttpError(
            416,
            f"range {header!r} is outside the {total} bytes of the video",
            code="range_not_satisfiable",
            headers={"Content-Range": f"bytes */{total}"},
        )
    return ByteRange(start, end)


def _frames(mp4: bytes, most: int) -> list[np.ndarray]:
    """Up to `most` frames spread evenly over the clip, (H, W, 3) uint8 each."""
    with av.open(io.BytesIO(mp4)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    if not frames:
        raise HttpError(500, "the stored video has no frames", type="server_error")
    picks = np.linspace(0, len(frames) - 1, min(most, len(frames))).round().astype(int)
    return [frames[i] for i in picks]


def _encode(image: np.ndarray, codec_name: str, pix_fmt: str) -> bytes:
    height, width = image.shape[:2]
    image = np.pad(image, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")  # 4:2:0
    codec = av.CodecContext.create(codec_name, "w")
    codec.width, codec.height, codec.pix_fmt = image.shape[1], image.shape[0], pix_fmt
    codec.time_base = Fraction(1, 1)
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
    packets = codec.encode(frame.reformat(format=pix_fmt)) + codec.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def thumbnail_webp(mp4: bytes) -> bytes:
    """The middle frame as WebP (OpenAI's thumbnail format)."""
    frames = _frames(mp4, 3)
    return _encode(frames[len(frames) // 2], "libwebp", "yuv420p")


def spritesheet_jpeg(mp4: bytes) -> bytes:
    """Up to 16 frames, evenly spaced, in rows of 4, as one JPEG."""
    frames = _frames(mp4, SPRITE_FRAMES)
    rows = -(-len(frames) // SPRITE_COLUMNS)
    columns = min(SPRITE_COLUMNS, len(frames))
    height, width = frames[0].shape[:2]
    sheet = np.zeros((rows * height, columns * width, 3), np.uint8)
    for index, frame in enumerate(frames):
        row, column = divmod(index, SPRITE_COLUMNS)
        sheet[row * height : (row + 1) * height, column * width : (column + 1) * width] = frame
    return _encode(sheet, "mjpeg", "yuvj420p")
