"""Decoding attached reference files (images, videos, audio) safely, with limits.

An upload is untrusted bytes. Before FFmpeg sees them we sniff the format from magic bytes against a
short whitelist (no playlist/concat demuxers that could open other files), read image dimensions
from the header (a PNG may claim 100000x100000), and then decode with FFmpeg's own `max_pixels`
guard, stopping at the frame/second caps instead of decoding everything. Every failure is a
`ScriptError` on field `references[NAME]`.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

import av
import numpy as np

from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.plan import REFERENCE_KINDS, Reference, ScriptError

IMAGE_FORMATS = "PNG, JPEG or WebP"
VIDEO_FORMATS = "MP4/MOV, WebM/MKV or AVI"
AUDIO_FORMATS = "WAV, MP3, FLAC, OGG, M4A or AAC"
NAME_PATTERN = re.compile(r"(image|video|audio)([1-9][0-9]?)")
_KIND_WORDS = {"image": "an image", "video": "a video", "audio": "audio"}  # for messages


@dataclass(frozen=True)
class Sniffed:
    kind: str | None  # "image" for image formats; None for containers (decided by their streams)
    demuxer: str  # the FFmpeg demuxer to force, so nothing else is ever probed
    label: str  # for messages


def kind_of(name: str) -> str:
    """The kind a reference name declares: "image1" -> "image"."""
    match = NAME_PATTERN.fullmatch(name)
    if match is None:
        raise ScriptError(f"references[{name}]", "is not a reference name")
    return match.group(1)


def sniff(data: bytes) -> Sniffed | None:
    """The file format from its first bytes, or None when it is not one we accept."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png_pipe", "PNG")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg_pipe", "JPEG")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "webp_pipe", "WebP")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed(None, "wav", "WAV")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed(None, "avi", "AVI")
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return Sniffed(None, "mov", "MP4/MOV")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed(None, "matroska", "WebM/MKV")
    if head.startswith(b"fLaC"):
        return Sniffed(None, "flac", "FLAC")
    if head.startswith(b"OggS"):
        return Sniffed(None, "ogg", "OGG")
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return Sniffed(None, "mp3", "MP3")  # frame sync + layer III (or an ID3 tag first)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return Sniffed(None, "aac", "AAC")  # ADTS sync, layer 0
    return None


def image_size(data: bytes, label: str) -> tuple[int, int] | None:
    """(width, height) from a PNG/JPEG/WebP header without decoding pixels; None if not found."""
    if label == "PNG":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        return None
    if label == "WebP":
        chunk = data[12:16]
        if chunk == b"VP8X" and len(data) >= 30:
            w = int.from_bytes(data[24:27], "little") + 1
            return w, int.from_bytes(data[27:30], "little") + 1
        if chunk == b"VP8 " and len(data) >= 30:
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    # JPEG: walk the marker segments to the first start-of-frame (SOF0..SOF15 but DHT/JPG/DAC).
    pos = 2
    while pos + 9 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return w, h
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # segments without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            return None
        pos += 2 + length
    return None


def decode_reference(
    name: str, data: bytes, *, role: str | None, sample_rate: int, limits: Limits
) -> Reference:
    """Decode one attached file into a `Reference` (arrays as documented on `Reference`)."""
    field = f"references[{name}]"
    kind = kind_of(name)
    if len(data) == 0:
        raise ScriptError(field, "the file is empty")
    if len(data) > limits.max_file_bytes:
        raise ScriptError(
            field, f"the file is {len(data):,} bytes; the limit is {limits.max_file_bytes:,}"
        )
    sniffed = sniff(data)
    if sniffed is None:
        expected = {"image": IMAGE_FORMATS, "video": VIDEO_FORMATS, "audio": AUDIO_FORMATS}[kind]
        raise ScriptError(field, f"is not a recognised {kind} file; use {expected}")
    if sniffed.kind == "image" and kind != "image":
        raise ScriptError(field, f"is not {_KIND_WORDS[kind]} (found an image, {sniffed.label})")
    try:
        if kind == "image" and sniffed.kind != "image":
            found = _container_kind(data, sniffed, limits)
            raise ScriptError(
                field, f"is not an image (found {_KIND_WORDS[found]}, {sniffed.label})"
            )
        if kind == "image":
            array = _decode_image(data, sniffed, field, limits)
        else:
            array = _decode_stream(data, sniffed, kind, field, sample_rate, limits)
    except ScriptError:
        raise
    except Exception as error:  # untrusted bytes: whatever FFmpeg or PyAV raises is bad input
        message = (
            f"cannot be decoded as {sniffed.label} ({_short(error)}); is it truncated or corrupt?"
        )
        raise ScriptError(field, message) from None
    return Reference(name=name, kind=kind, role=role, data=array)


def _short(error: BaseException) -> str:
    # FFmpeg errors carry a clean strerror; their str() adds errno and the failing C call.
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(text).strip()[:120]


def _is_cover(stream: av.stream.Stream) -> bool:
    """Cover art in an MP3/M4A is a one-picture video stream; it does not make a video."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _open(data: bytes, sniffed: Sniffed, max_pixels: int) -> av.container.InputContainer:
    # `max_pixels` reaches the decoders that stream probing opens, so even probing a bomb
    # allocates nothing big.
    return av.open(
        io.BytesIO(data),
        format=sniffed.demuxer,
        options={"max_pixels": str(max_pixels)},
        metadata_errors="replace",
    )


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    """Downscaled (width, height) so the long side is at most `side`; even sizes kept >= 2."""
    scale = min(1.0, side / max(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


def _decode_image(data: bytes, sniffed: Sniffed, field: str, limits: Limits) -> np.ndarray:
    size = image_size(data, sniffed.label)
    if size is None:
        raise ScriptError(field, f"is a truncated or corrupt {sniffed.label} (no image header)")
    width, height = size
    if width <= 0 or height <= 0:
        raise ScriptError(field, f"{sniffed.label} header says {width}x{height}")
    if width * height > limits.max_image_pixels:
        raise ScriptError(
            field,
            f"image is {width}x{height} ({width * height:,} pixels); "
            f"the limit is {limits.max_image_pixels:,} pixels",
        )
    with _open(data, sniffed, limits.max_image_pixels) as container:
        if not container.streams.video:
            raise ScriptError(field, f"is a corrupt {sniffed.label} (no picture)")
        for frame in container.decode(video=0):
            w, h = _fit(frame.width, frame.height, limits.max_reference_side)
            return frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
    raise ScriptError(field, f"is a truncated or corrupt {sniffed.label} (no picture decoded)")


def _container_kind(data: bytes, sniffed: Sniffed, limits: Limits) -> str:
    with _open(data, sniffed, limits.max_video_pixels) as container:
        if any(not _is_cover(s) for s in container.streams.video):
            return "video"
        return "audio" if container.streams.audio else "video"


def _decode_stream(
    data: bytes, sniffed: Sniffed, kind: str, field: str, sample_rate: int, limits: Limits
) -> np.ndarray:
    max_pixels = limits.max_video_pixels
    with _open(data, sniffed, max_pixels) as container:
        videos = [s for s in container.streams.video if not _is_cover(s)]
        audios = list(container.streams.audio)
        found = "video" if videos else "audio" if audios else None
        if found is None:
            raise ScriptError(field, f"{sniffed.label} file has no video or audio stream")
        if kind == "video" and not videos:
            raise ScriptError(field, f"is not a video (found audio, {sniffed.label})")
        if kind == "audio" and not audios:
            raise ScriptError(field, f"is not audio (found a video without sound, {sniffed.label})")
        declared = _declared_seconds(container, videos[0] if kind == "video" else audios[0])
        if kind == "video":
            return _decode_video(container, videos[0], declared, field, limits)
        return _decode_audio(container, audios[0], declared, field, sample_rate, limits)


def _declared_seconds(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0  # unknown: the caps below still stop decoding


def _too_long(field: str, what: str, seconds: float, limit: float) -> ScriptError:
    return ScriptError(field, f"{what} is {seconds:.1f} s long; the limit is {limit:g} s")


def _decode_video(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    declared: float,
    field: str,
    limits: Limits,
) -> np.ndarray:
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > limits.max_video_pixels:
        raise ScriptError(
            field,
            f"video is {width}x{height} ({width * height:,} pixels per frame); "
            f"the limit is {limits.max_video_pixels:,}",
        )
    if declared > limits.max_video_seconds + 0.05:
        raise _too_long(field, "video", declared, limits.max_video_seconds)
    # Keep at most max_video_frames, spread evenly over the declared duration.
    rate = float(stream.average_rate or stream.guessed_rate or 30)
    expected = max(stream.frames, round(declared * rate))
    step = declared / limits.max_video_frames if expected > limits.max_video_frames else 0.0
    kept: list[np.ndarray] = []
    next_keep = 0.0
    size: tuple[int, int] | None = None
    for decoded, frame in enumerate(container.decode(stream)):
        if decoded >= limits.max_video_decoded_frames:
            raise ScriptError(
                field, f"video has more than {limits.max_video_decoded_frames:,} frames"
            )
        t = float(frame.time) if frame.time is not None else decoded / rate
        if t > limits.max_video_seconds + 0.05:
            raise _too_long(field, "video", t, limits.max_video_seconds)
        if t + 1e-6 < next_keep:
            continue
        next_keep = t + step
        if size is None:  # every kept frame gets the first frame's size so they stack
            size = _fit(frame.width, frame.height, limits.max_reference_side)
        kept.append(frame.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray())
        if len(kept) >= limits.max_video_frames:
            break
    if not kept:
        raise ScriptError(field, "is a truncated or corrupt video (no frame decoded)")
    return np.stack(kept)


def _decode_audio(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    declared: float,
    field: str,
    sample_rate: int,
    limits: Limits,
) -> np.ndarray:
    if declared > limits.max_audio_seconds + 0.05:
        raise _too_long(field, "audio", declared, limits.max_audio_seconds)
    source_rate = stream.codec_context.sample_rate or 0
    channels = stream.codec_context.channels or 0
    # An absurd source rate would make the resampler's output explode (1 Hz -> 16 kHz).
    if not 4000 <= source_rate <= 384000:
        raise ScriptError(field, f"audio sample rate {source_rate} Hz is not supported")
    if channels > limits.max_audio_channels:
        raise ScriptError(
            field, f"audio has {channels} channels; the limit is {limits.max_audio_channels}"
        )
    # Mono is the mean of the channels; FFmpeg's own downmix adds them at -3 dB (louder).
    resampler = av.AudioResampler(format="fltp", rate=sample_rate)
    max_samples = int(limits.max_audio_seconds * sample_rate) + sample_rate // 20
    chunks: list[np.ndarray] = []
    total = 0
    for frame in container.decode(stream):
        if frame.time is not None and frame.time > limits.max_audio_seconds + 0.05:
            raise _too_long(field, "audio", float(frame.time), limits.max_audio_seconds)
        for out in resampler.resample(frame):
            chunk = out.to_ndarray().mean(axis=0, dtype=np.float32)
            chunks.append(chunk)
            total += len(chunk)
        if total > max_samples:
            raise _too_long(field, "audio", total / sample_rate, limits.max_audio_seconds)
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray().mean(axis=0, dtype=np.float32))
    if not chunks or sum(len(c) for c in chunks) == 0:
        raise ScriptError(field, "is a truncated or corrupt audio file (no sound decoded)")
    audio = np.concatenate(chunks).astype(np.float32, copy=False)
    return np.nan_to_num(audio, nan=0.0, posinf=1.0, neginf=-1.0)


__all__ = ["REFERENCE_KINDS", "decode_reference", "kind_of", "sniff"]
