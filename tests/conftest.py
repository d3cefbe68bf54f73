"""Shared fixtures: the tiny preset, one set of embedded stages per session, ffprobe."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reelflow.pipeline.model.presets import Preset, get_preset


@pytest.fixture(scope="session")
def tiny() -> Preset:
    return get_preset("tiny")


@pytest.fixture(scope="session")
def local_stages(tiny):
    """Random-init stages (checkpoint "none"): tests must not depend on trained weights."""
    from reelflow.pipeline.generation.embedded import LocalStages

    return LocalStages(tiny, None)


def ffprobe(path: Path) -> dict:
    """The container and streams as ffprobe (Debian ffmpeg) reads them, independently of PyAV."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def assert_valid_mp4(
    path: Path, *, seconds: float, fps: int, width: int, height: int, sample_rate: int
):
    info = ffprobe(path)
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert [s["codec_name"] for s in video] == ["h264"]
    assert [s["codec_name"] for s in audio] == ["aac"]
    (v,), (a,) = video, audio
    assert (int(v["width"]), int(v["height"])) == (width, height)
    assert v["avg_frame_rate"] == f"{fps}/1"
    assert abs(float(v["duration"]) - seconds) <= 1.0 / fps
    assert int(a["sample_rate"]) == sample_rate
    assert abs(float(a["duration"]) - seconds) <= 1.0 / fps
    assert float(a["start_time"]) == pytest.approx(float(v["start_time"]), abs=1e-3)
