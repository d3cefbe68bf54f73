"""Reference media as files a user would attach: PNG image, MP4 video, WAV audio (stdlib + mux)."""

from __future__ import annotations

import io
import struct
import wave
import zlib

import numpy as np

from reelflow.lab.toyworld.spec import ClipSpec
from reelflow.lab.toyworld.world import reference_media
from reelflow.pipeline.generation.mux import encode_mp4


def encode_png(image: np.ndarray) -> bytes:
    """(H, W, 3) uint8 -> PNG bytes (8-bit RGB, no filtering)."""
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + np.ascontiguousarray(row).tobytes() for row in image)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def encode_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    """(N,) float in [-1, 1] -> 16-bit mono WAV bytes."""
    pcm = np.round(np.clip(audio, -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def reference_files(spec: ClipSpec) -> dict[str, tuple[str, bytes]]:
    """{reference name: (file extension, bytes)} for the references the spec's prompt mentions."""
    out: dict[str, tuple[str, bytes]] = {}
    for name, data in reference_media(spec).items():
        if name.startswith("image"):
            out[name] = ("png", encode_png(data))
        elif name.startswith("video"):
            silence = np.zeros(round(len(data) * spec.sample_rate / spec.fps), np.float32)
            out[name] = ("mp4", encode_mp4(data, silence, spec.fps, spec.sample_rate))
        else:
            out[name] = ("wav", encode_wav(data, spec.sample_rate))
    return out


def attachments(spec: ClipSpec) -> dict[str, bytes]:
    """{reference name: file bytes}: what a user attaches to the spec's prompt."""
    return {name: data for name, (_, data) in reference_files(spec).items()}
