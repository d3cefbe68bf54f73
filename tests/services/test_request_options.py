"""negative_prompt, draft and cache_threshold over real gRPC on the embedded server (no Ray):
the proto fields reach the sampler, bad values are INVALID_ARGUMENT naming the field, and the
capabilities describe them."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.api.grpc.client import JobClient, generate_remote
from reelflow.services.api.grpc.messages import generation_from_proto, request_to_proto
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread

PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


@pytest.fixture(scope="module")
def served(local_stages, tmp_path_factory):
    jobs = JobSettings(store_dir=str(tmp_path_factory.mktemp("jobs")), workers=1, max_queued=8)
    with ServerThread(local_stages, jobs) as server:
        yield server


def test_request_fields_round_trip_through_the_public_message():
    request = GenerationRequest(PROMPT, negative_prompt="red", draft=True, cache_threshold=0.2)
    back = generation_from_proto(
        pb.GenerateRequest.FromString(request_to_proto(request).SerializeToString())
    )
    assert (back.negative_prompt, back.draft, back.cache_threshold) == ("red", True, 0.2)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"negative_prompt": "x" * 5001}, "negative_prompt"),
        ({"negative_prompt": "bad\x07bell"}, "negative_prompt"),
        ({"cache_threshold": 1.5}, "cache_threshold"),
        ({"cache_threshold": -0.1}, "cache_threshold"),
        ({"cache_threshold": float("nan")}, "cache_threshold"),
    ],
)
def test_bad_values_are_invalid_argument_naming_the_field(served, fields, field):
    with JobClient(served.address) as client, pytest.raises(grpc.RpcError) as caught:
        client.submit(pb.GenerateRequest(prompt=PROMPT, seed=1, steps=2, **fields))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == field


def test_draft_job_runs_the_draft_steps_and_negative_prompt_changes_it(served, tiny):
    draft = GenerationRequest(PROMPT, seed=3, width=32, height=32, draft=True)
    reply = generate_remote(served.address, draft, timeout_s=300)
    steps = [p.step for p in reply.progress if p.stage == "denoising"]
    assert steps == list(range(1, tiny.sampler.draft_steps + 1))
    negative = GenerationRequest(
        PROMPT, seed=3, width=32, height=32, draft=True, negative_prompt="red"
    )
    assert generate_remote(served.address, negative, timeout_s=300).result.mp4 != reply.result.mp4


def test_capabilities_describe_the_options(served, tiny):
    with JobClient(served.address) as client:
        caps = client.capabilities()
    assert caps.negative_prompt_supported
    assert not any("negative_prompt" in note for note in caps.notes)
    assert any("generate_audio" in note for note in caps.notes)
    assert (caps.draft_steps, caps.draft_shift) == (
        tiny.sampler.draft_steps,
        tiny.sampler.draft_shift,
    )
    assert caps.max_cache_threshold == 1.0
