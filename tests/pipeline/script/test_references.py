"""Decoding reference files: real media round trips, and hostile bytes always give a ScriptError."""

from __future__ import annotations

import subprocess
import sys
import time
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelflow.pipeline.script.limits import DEFAULT_LIMITS, Limits
from reelflow.pipeline.script.plan import ScriptError
from reelflow.pipeline.script.references import decode_reference
from tests.pipeline.reference_media import (
    audio_bytes,
    image_bytes,
    jpeg_claiming,
    png_claiming,
    video_bytes,
)


@cache
def media() -> dict[str, bytes]:
    return {
        "png": image_bytes("png"),
        "jpeg": image_bytes("mjpeg"),
        "webp": image_bytes("libwebp"),
        "mp4": video_bytes(),
        "webm": video_bytes(container="webm", codec="libvpx"),
        "wav": audio_bytes(),
        "mp3": audio_bytes(container="mp3", codec="libmp3lame"),
        "m4a": audio_bytes(container="ipod", codec="aac"),
    }


def decode(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS, rate: int = 16000):
    return decode_reference(name, data, role=None, sample_rate=rate, limits=limits)


def error_of(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> ScriptError:
    with pytest.raises(ScriptError) as caught:
        decode(name, data, limits)
    assert caught.value.field == f"references[{name}]"
    assert caught.value.span is None
    return caught.value


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_images_decode_to_rgb(fmt):
    ref = decode("image1", media()[fmt])
    assert (ref.name, ref.kind, ref.role) == ("image1", "image", None)
    assert ref.data.shape == (48, 64, 3) and ref.data.dtype == np.uint8


def test_png_is_lossless():
    pixels = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    assert np.array_equal(decode("image1", media()["png"]).data, pixels)


def test_large_images_are_downscaled_to_the_reference_side():
    ref = decode("image2", media()["png"], Limits(max_reference_side=32))
    assert ref.data.shape == (24, 32, 3)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_videos_decode_to_frames(fmt):
    ref = decode("video1", media()[fmt])
    assert ref.kind == "video" and ref.data.shape == (8, 48, 64, 3) and ref.data.dtype == np.uint8
    levels = ref.data.reshape(8, -1).mean(axis=1)
    assert np.allclose(levels, np.arange(8) * 10, atol=4)


def test_long_videos_keep_evenly_spaced_frames():
    ref = decode("video1", media()["mp4"], Limits(max_video_frames=4))
    levels = ref.data.reshape(4, -1).mean(axis=1)
    assert np.allclose(levels, [0, 20, 40, 60], atol=4)


@pytest.mark.parametrize("fmt", ["wav", "mp3", "m4a"])
def test_audio_decodes_to_mono_float32_at_the_plan_rate(fmt):
    ref = decode("audio1", media()[fmt], rate=16000)
    assert ref.kind == "audio" and ref.data.dtype == np.float32 and ref.data.ndim == 1
    assert abs(len(ref.data) - 16000) < 1200  # MP3/AAC add encoder padding
    assert 0.4 < np.abs(ref.data).max() < 0.6


MISLABELLED = [
    ("image1", "mp3", "is not an image (found audio, MP3)"),
    ("image1", "mp4", "is not an image (found a video, MP4/MOV)"),
    ("image1", "wav", "is not an image (found audio, WAV)"),
    ("video1", "mp3", "is not a video (found audio, MP3)"),
    ("video1", "png", "is not a video (found an image, PNG)"),
    ("video1", "m4a", "is not a video (found audio, MP4/MOV)"),
    ("audio1", "jpeg", "is not audio (found an image, JPEG)"),
    ("audio1", "mp4", "is not audio (found a video without sound, MP4/MOV)"),
]


@pytest.mark.parametrize(("name", "fmt", "message"), MISLABELLED)
def test_mislabelled_files_say_what_they_are(name, fmt, message):
    assert error_of(name, media()[fmt]).message == message


BAD = [
    ("image1", b"", "the file is empty"),
    ("video1", b"hello world", "is not a recognised video file; use MP4/MOV, WebM/MKV or AVI"),
    ("audio2", b"\x00" * 64, "is not a recognised audio file; use WAV, MP3, FLAC, OGG, M4A or AAC"),
    ("image3", b"\x89PNG\r\n\x1a\n", "is a truncated or corrupt PNG (no image header)"),
    (
        "image1",
        png_claiming(100_000, 100_000),
        "image is 100000x100000 (10,000,000,000 pixels); the limit is 16,777,216 pixels",
    ),
    (
        "image1",
        jpeg_claiming(60_000, 60_000),
        "image is 60000x60000 (3,600,000,000 pixels); the limit is 16,777,216 pixels",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD)
def test_bad_files_get_clear_errors(name, data, message):
    assert error_of(name, data).message == message


def test_corrupt_body_under_the_pixel_limit_is_a_decode_error():
    message = error_of("image1", png_claiming(4000, 4000)).message
    assert message.startswith("cannot be decoded as PNG (") and "corrupt" in message


def test_file_size_limit():
    message = error_of("image1", media()["png"], Limits(max_file_bytes=1000)).message
    assert message == f"the file is {len(media()['png']):,} bytes; the limit is 1,000"


def test_video_pixel_limit_is_checked_from_the_header():
    message = error_of("video1", media()["mp4"], Limits(max_video_pixels=1000)).message
    assert message == "video is 64x48 (3,072 pixels per frame); the limit is 1,000"


def test_long_video_is_refused_before_decoding():
    data = video_bytes(seconds=20, fps=2)
    start = time.perf_counter()
    assert error_of("video2", data).message == "video is 20.0 s long; the limit is 15 s"
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(("container", "codec"), [("wav", "pcm_s16le"), ("mp3", "libmp3lame")])
def test_long_audio_is_refused(container, codec):
    data = audio_bytes(seconds=40, rate=8000, container=container, codec=codec)
    assert error_of("audio1", data).message == "audio is 40.0 s long; the limit is 15 s"


def test_audio_cap_also_holds_while_decoding():
    message = error_of("audio1", media()["wav"], Limits(max_audio_seconds=0.5)).message
    assert message == "audio is 1.0 s long; the limit is 0.5 s"


def test_pixel_bombs_stay_small_in_memory():
    """Decode bombs in a fresh process and read its peak RSS (FFmpeg's allocations included)."""
    script = (
        "from reelflow.pipeline.script.limits import DEFAULT_LIMITS\n"
        "from reelflow.pipeline.script.plan import ScriptError\n"
        "from reelflow.pipeline.script.references import decode_reference\n"
        "from tests.pipeline.reference_media import png_claiming, jpeg_claiming\n"
        "for data in (png_claiming(4096, 4096), png_claiming(15000, 15000),\n"
        "             jpeg_claiming(4096, 4096), jpeg_claiming(16000, 16000)):\n"
        "    try:\n"
        "        decode_reference('image1', data, role=None, sample_rate=16000,\n"
        "                         limits=DEFAULT_LIMITS)\n"
        "    except ScriptError:\n"
        "        pass\n"
        # VmHWM is this process's own peak; ru_maxrss would carry the forking pytest's size
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(peak.split()[1]) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) < 400  # MiB; an unguarded 15000x15000 PNG alone takes ~680


@st.composite
def damaged(draw):
    name, fmt = draw(
        st.sampled_from(
            [
                ("image1", "png"),
                ("image2", "jpeg"),
                ("image3", "webp"),
                ("video1", "mp4"),
                ("video2", "webm"),
                ("audio1", "wav"),
                ("audio2", "mp3"),
                ("audio3", "m4a"),
                ("image1", "mp3"),
                ("audio1", "mp4"),
                ("video1", "wav"),
            ]
        )
    )
    data = bytearray(media()[fmt])
    how = draw(st.sampled_from(["truncate", "flip", "splice", "zero-tail"]))
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        data = data[:at]
    elif how == "flip":
        for offset in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=16)):
            data[offset] ^= draw(st.integers(1, 255))
    elif how == "splice":
        data[at : at + 16] = draw(st.binary(min_size=1, max_size=16))
    else:
        data[at:] = bytes(len(data) - at)
    return name, bytes(data)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_decode_or_fail_cleanly(case):
    name, data = case
    start = time.perf_counter()
    try:
        ref = decode(name, data)
    except ScriptError as error:
        assert error.field == f"references[{name}]" and error.message
    else:
        ndim = {"image": 3, "video": 4, "audio": 1}[ref.kind]
        assert ref.data.ndim == ndim and ref.data.size > 0
        assert ref.data.nbytes < 64 * 1024 * 1024
    assert time.perf_counter() - start < 1.0
