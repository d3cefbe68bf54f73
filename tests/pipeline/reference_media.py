"""Small real media files made with PyAV, for reference-decoding tests."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

import av
import numpy as np


def image_bytes(codec: str = "png", width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    """A PNG ("png"), JPEG ("mjpeg") or WebP ("libwebp") of random pixels."""
    pix = {"png": "rgb24", "mjpeg": "yuvj420p", "libwebp": "yuv420p"}[codec]
    pixels = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    context = av.CodecContext.create(codec, "w")
    context.width, context.height, context.pix_fmt = width, height, pix
    context.time_base = Fraction(1, 25)
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format=pix)
    return b"".join(bytes(p) for p in context.encode(frame) + context.encode(None))


def video_bytes(
    seconds: float = 1.0,
    fps: int = 8,
    width: int = 64,
    height: int = 48,
    container: str = "mp4",
    codec: str = "libx264",
) -> bytes:
    """A clip whose frame i is a flat grey of level 10 * i."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(round(seconds * fps)):
            pixels = np.full((height, width, 3), (i * 10) % 250, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def audio_bytes(
    seconds: float = 1.0, rate: int = 22050, container: str = "wav", codec: str = "pcm_s16le"
) -> bytes:
    """A stereo 440 Hz sine at half scale: WAV (pcm_s16le), MP3 (libmp3lame) or M4A (aac)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        n = round(seconds * rate)
        wave = (0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)
        block = stream.codec_context.frame_size or 1024
        for i in range(0, n, block):
            planar = np.tile(wave[i : i + block], (2, 1))
            if codec == "pcm_s16le":
                packed = (planar.T.reshape(1, -1) * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(packed, format="s16", layout="stereo")
            else:
                frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = rate, i, Fraction(1, rate)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height over a tiny compressed body: a pixel bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG with its start-of-frame dimensions rewritten."""
    data = image_bytes("mjpeg")
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]
