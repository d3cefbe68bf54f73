"""LTX-2 on the Ray Serve stages (model.family ltx2): PromptEncoder (Gemma 3 + connectors),
JointStage (the transformer) and Muxer (VAEs, vocoder, MP4), each replica loading only its
own networks from a tiny snapshot built here. The served job's MP4 is, to the byte, the one
diffusers' own LTX2Pipeline makes (muxed the same way) and the one the embedded CLI makes;
the OpenAI SDK creates, polls and downloads one from the same app."""

from __future__ import annotations

import socket

import openai
import pytest

from reelflow.cli.main import main
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.ltx2.mp4 import LTX2Decoded, to_mp4
from reelflow.pipeline.ltx2.request import ltx2_request
from reelflow.pipeline.ltx2.snapshot import open_snapshot
from reelflow.pipeline.ltx2.stages import LTX2Stages
from reelflow.services.api.grpc.client import generate_remote
from reelflow.services.hosts.ray import server
from tests.pipeline.ltx2.test_staged_equals_library import library, library_from_image
from tests.pipeline.ltx2.tiny_snapshot import save_tiny_snapshot
from tests.services.test_ltx2_served import assert_h264_aac, png

pytestmark = pytest.mark.serve
PROMPT = "a red ball bounces left at night"
SMALL = {"duration_s": 1.0, "fps": 24, "width": 32, "height": 32, "steps": 2, "seed": 9}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return save_tiny_snapshot(tmp_path_factory.mktemp("ltx2") / "tiny-ltx2")


@pytest.fixture(scope="module")
def served(snapshot, tmp_path_factory):
    raw = server.read_raw_config(None)
    store = str(tmp_path_factory.mktemp("jobs"))
    raw |= {
        "model": {"family": "ltx2", "path": str(snapshot)},
        "jobs": raw["jobs"] | {"store_dir": store},
    }
    config = server.start(raw, grpc_port=free_port(), http_port=free_port())
    try:
        yield config
    finally:
        server.stop()


def test_the_served_job_equals_the_library_pipeline_and_the_embedded_cli(
    served, snapshot, tmp_path
):
    seen = []
    address = f"127.0.0.1:{served.grpc_port}"
    reply = generate_remote(address, GenerationRequest(PROMPT, **SMALL), seen.append, 300)
    assert [p.step for p in seen if p.stage == "denoising"] == [0, 1, 2]
    assert set(reply.result.stage_seconds) == {"prompt_encoding", "denoising", "muxing"}
    path = tmp_path / "served.mp4"
    path.write_bytes(reply.result.mp4)
    assert_h264_aac(path, frames=25, fps=24, size=32, sample_rate=16000)

    pipe = open_snapshot(snapshot)  # bf16, the served default
    request = ltx2_request(GenerationRequest(PROMPT, **SMALL), LTX2Stages(pipe))
    frames, audio = library(pipe, request)
    decoded = LTX2Decoded(frames.float(), audio.float(), LTX2Stages(pipe).sample_rate)
    assert to_mp4(decoded, request.frame_rate) == reply.result.mp4  # tolerance 0

    embedded = tmp_path / "embedded.mp4"
    args = ["--duration", "1", "--fps", "24", "--size", "32x32", "--steps", "2", "--seed", "9"]
    code = main(["generate", PROMPT, "--model", "ltx2", "--model-path", str(snapshot), *args,
                 "-o", str(embedded)])  # fmt: skip
    assert code == 0 and embedded.read_bytes() == reply.result.mp4
    other = generate_remote(address, GenerationRequest(PROMPT, **{**SMALL, "seed": 10}))
    assert other.result.mp4 != reply.result.mp4  # the comparison can fail


def test_a_first_frame_job_equals_the_image_to_video_pipeline(served, snapshot):
    """gRPC with an image reference (role first_frame) on the Ray stages: the MP4 that
    LTX2ImageToVideoPipeline's output muxes to, to the byte."""
    address = f"127.0.0.1:{served.grpc_port}"
    given = GenerationRequest(
        PROMPT, **SMALL, references={"image1": png()}, roles={"image1": "first_frame"}
    )
    reply = generate_remote(address, given, timeout_s=300)
    assert "image_encoding" in reply.result.stage_seconds
    pipe = open_snapshot(snapshot)
    request = ltx2_request(given, LTX2Stages(pipe))
    frames, audio = library_from_image(pipe, request)
    decoded = LTX2Decoded(frames.float(), audio.float(), LTX2Stages(pipe).sample_rate)
    assert to_mp4(decoded, request.frame_rate) == reply.result.mp4


def test_the_openai_sdk_creates_polls_and_downloads_from_the_ray_app(served, tmp_path):
    client = openai.OpenAI(
        base_url=f"http://127.0.0.1:{served.http_port}/v1", api_key="unused", max_retries=0
    )
    assert [m.id for m in client.models.list().data] == ["ltx-2"]
    video = client.videos.create_and_poll(
        prompt=PROMPT,
        model="ltx-2",
        seconds="1",
        size="32x32",
        extra_body={"seed": 5, "num_inference_steps": 2, "fps": 24},
    )
    assert video.status == "completed" and video.model == "ltx-2"
    out = tmp_path / "sdk.mp4"
    out.write_bytes(client.videos.download_content(video.id).content)
    assert_h264_aac(out, frames=25, fps=24, size=32, sample_rate=16000)
