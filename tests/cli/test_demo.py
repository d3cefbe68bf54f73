"""`reelflow demo`, the README's first command: Serve up, one clip over gRPC, Serve down."""

import socket

import numpy as np
import pytest
import yaml

from reelflow.cli.main import main
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.services.hosts.ray import server
from tests.conftest import assert_valid_mp4

pytestmark = pytest.mark.serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_writes_a_four_second_clip_with_sound_and_stops_serve(tmp_path):
    raw = server.read_raw_config(None)
    raw |= {"http_port": free_port(), "jobs": raw["jobs"] | {"store_dir": str(tmp_path / "jobs")}}
    config = tmp_path / "serve.yaml"
    config.write_text(yaml.safe_dump(raw))
    out = tmp_path / "demo.mp4"
    args = ["demo", "-o", str(out), "--config", str(config), "--grpc-port", str(free_port())]
    assert main(args) == 0
    assert_valid_mp4(out, seconds=4.0, fps=8, width=64, height=64, sample_rate=16000)
    clip = decode_mp4(str(out))
    assert clip.frames.std() > 5  # a picture, not a flat frame
    assert np.sqrt(np.mean(clip.audio**2)) > 1e-3  # and sound
    import ray

    assert not ray.is_initialized()  # demo stopped what it started
