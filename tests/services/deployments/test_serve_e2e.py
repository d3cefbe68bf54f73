"""End to end over gRPC: a real local Ray Serve with all six deployments, a plain grpcio client."""

import asyncio
import socket
from dataclasses import replace

import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.services.api.grpc.client import generate_remote, open_channel
from reelflow.services.hosts.ray import server
from tests.conftest import assert_valid_mp4

pytestmark = pytest.mark.serve
PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def address(tmp_path_factory):
    raw = server.read_raw_config(None)
    store = str(tmp_path_factory.mktemp("jobs"))
    raw |= {"checkpoint": "none", "jobs": raw["jobs"] | {"store_dir": store}}
    config = server.start(raw, grpc_port=free_port())
    try:
        yield f"127.0.0.1:{config.grpc_port}"
    finally:
        server.stop()


def test_generate_streams_progress_from_every_stage_and_a_valid_mp4(address, tmp_path):
    reply = generate_remote(address, GenerationRequest(PROMPT, seed=11, steps=3), timeout_s=300)
    assert (
        reply.accepted.job_id and reply.accepted.num_frames == 16 and reply.accepted.num_shots == 2
    )
    stages = {p.stage for p in reply.progress}
    assert stages == {"prompt_encoding", "keyframes", "denoising", "muxing"}
    assert [p.step for p in reply.progress if p.stage == "denoising"] == [1, 2, 3]
    assert reply.result.seed == 11 and reply.result.num_frames == 16
    assert set(reply.result.stage_seconds) >= {"temporal", "audio", "keyframes", "muxing"}
    path = tmp_path / "served.mp4"
    path.write_bytes(reply.result.mp4)
    assert_valid_mp4(path, seconds=2.0, fps=8, width=64, height=64, sample_rate=16000)


def test_served_and_embedded_give_the_same_frames_and_samples(address, local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=4, steps=3, width=48, height=32)
    served = decode_mp4(generate_remote(address, request, timeout_s=300).result.mp4)
    prepared = prepare(request, tiny)
    embedded = decode_mp4(
        asyncio.run(generate(prepared.plan, prepared.options, local_stages, tiny)).mp4
    )
    assert served.frames.shape == embedded.frames.shape == (16, 32, 48, 3)
    assert np.array_equal(served.frames, embedded.frames)
    assert np.array_equal(served.audio, embedded.audio)


def test_long_clips_window_the_same_way_served(address, local_stages, tiny):
    """Past one window the tiling alternates every step; the phase must cross the wire."""
    request = GenerationRequest("a red ball bounces, a beep", duration_s=3.5, seed=5, steps=3)
    served = decode_mp4(generate_remote(address, request, timeout_s=300).result.mp4)
    prepared = prepare(request, tiny)
    assert prepared.plan.num_frames > tiny.temporal_window
    embedded = decode_mp4(
        asyncio.run(generate(prepared.plan, prepared.options, local_stages, tiny)).mp4
    )
    assert np.array_equal(served.frames, embedded.frames)
    assert np.array_equal(served.audio, embedded.audio)


def test_negative_prompt_reaches_the_served_prompt_encoder(address, local_stages, tiny):
    request = GenerationRequest(PROMPT, seed=4, steps=2, width=32, height=32)
    negative = replace(request, negative_prompt="red, blurry")

    def embedded(request_: GenerationRequest) -> bytes:
        prepared = prepare(request_, tiny)
        return asyncio.run(generate(prepared.plan, prepared.options, local_stages, tiny)).mp4

    served = decode_mp4(generate_remote(address, negative, timeout_s=300).result.mp4)
    same = decode_mp4(embedded(negative))
    without = decode_mp4(embedded(request))
    assert np.array_equal(served.frames, same.frames)
    assert np.array_equal(served.audio, same.audio)
    assert not np.array_equal(served.frames, without.frames)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (GenerationRequest(""), "prompt"),
        (GenerationRequest("a ball", width=33, height=32), "size"),
        (GenerationRequest("a ball", duration_s=-2.0), "duration"),
        (GenerationRequest("a ball", duration_s=60.0), "duration"),
        (GenerationRequest("a ball @image1"), "prompt"),
        (
            GenerationRequest("a ball @image1", references={"image1": b"not a png"}),
            "references[image1]",
        ),
        (GenerationRequest("x" * 5001), "prompt"),
        (GenerationRequest("[0-2s] a [1-3s] b"), "prompt"),
        (GenerationRequest("a ball", negative_prompt="x" * 5001), "negative_prompt"),
        (GenerationRequest("a ball", cache_threshold=2.0), "cache_threshold"),
    ],
)
def test_bad_input_is_invalid_argument_with_field_violations(address, request_, field):
    with pytest.raises(grpc.RpcError) as caught:
        generate_remote(address, request_, timeout_s=60)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Traceback" not in error.details()
    status = rpc_status.from_call(error)
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == field
    assert bad_request.field_violations[0].description


def test_server_keeps_serving_after_a_burst_of_bad_requests(address):
    for _ in range(5):
        with pytest.raises(grpc.RpcError):
            generate_remote(address, GenerationRequest("", seed=1), timeout_s=60)
    reply = generate_remote(
        address, GenerationRequest("a blue square", seed=2, steps=1, duration_s=1.0)
    )
    assert reply.result.num_frames == 8 and reply.result.mp4[4:8] == b"ftyp"


def test_standard_health_service_and_reflection(address):
    with open_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = {s.name for reply in replies for s in reply.list_services_response.service}
    assert "reelflow.v1.VideoGeneration" in names and "grpc.health.v1.Health" in names
