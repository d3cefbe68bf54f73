"""The job API end to end over real gRPC, on the embedded server (no Ray): lifecycle, streams,
idempotency, validation, backpressure, cancellation, expiry, deadlines, TTL and restart."""

from __future__ import annotations

import time

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.api.grpc.client import JobClient, generate_remote
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.conftest import assert_valid_mp4, ffprobe
from tests.services.embedded import ServerThread

PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


def request(**fields) -> pb.GenerateRequest:
    return pb.GenerateRequest(**({"prompt": PROMPT, "seed": 3, "steps": 2} | fields))


def detail(error: grpc.RpcError, kind):
    status = rpc_status.from_call(error)
    assert status is not None, "no google.rpc.Status in the trailers"
    for item in status.details:
        message = kind()
        if item.Unpack(message):
            return message
    raise AssertionError(f"no {kind.__name__} detail")


@pytest.fixture(scope="module")
def served(local_stages, tmp_path_factory):
    jobs = JobSettings(store_dir=str(tmp_path_factory.mktemp("jobs")), workers=2, max_queued=8)
    with ServerThread(local_stages, jobs) as server:
        yield server


@pytest.fixture
def client(served):
    with JobClient(served.address) as job_client:
        yield job_client


def wait_for(predicate, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_submit_watch_fetch_and_list(client, tmp_path):
    job = client.submit(request(return_last_frame=True), request_id="lifecycle-1")
    assert job.state == pb.JOB_STATE_QUEUED and job.seed == 3 and job.num_frames == 16
    states = [event.state for event in client.watch(job.job_id, timeout_s=120)]
    assert states[-1] == pb.JOB_STATE_SUCCEEDED and pb.JOB_STATE_RUNNING in states
    done = client.get(job.job_id)
    assert done.started_at.ToNanoseconds() and done.finished_at.ToNanoseconds()
    assert done.progress.stage == "muxing" and done.attempts == 1
    assert done.video.available and done.video.has_last_frame and done.video.seed == 3
    mp4 = client.fetch(job.job_id, chunk_bytes=4096)  # many chunks
    assert len(mp4) == done.video.mp4_bytes
    (tmp_path / "job.mp4").write_bytes(mp4)
    assert_valid_mp4(
        tmp_path / "job.mp4", seconds=2.0, fps=8, width=64, height=64, sample_rate=16000
    )
    png = client.fetch(job.job_id, artifact=pb.ARTIFACT_LAST_FRAME_PNG)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    listed = client.list(states=(pb.JOB_STATE_SUCCEEDED,))
    assert job.job_id in {j.job_id for j in listed.jobs}


def test_same_request_id_returns_the_same_job(client):
    first = client.submit(request(seed=None), request_id="idem-1")
    again = client.submit(request(seed=None), request_id="idem-1")
    assert again.job_id == first.job_id and again.seed == first.seed
    with pytest.raises(grpc.RpcError) as caught:
        client.submit(request(prompt="something else"), request_id="idem-1")
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    client.wait(first.job_id)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"width": 33, "height": 32}, "size"),
        ({"steps": 1000}, "steps"),
        ({"priority": 42}, "priority"),
        ({"deadline_s": -1.0}, "deadline_s"),
        ({"queue_timeout_s": 1e9}, "queue_timeout_s"),
        ({"negative_prompt": "x" * 6000}, "negative_prompt"),
    ],
)
def test_bad_input_is_invalid_argument_with_the_field(client, fields, field):
    with pytest.raises(grpc.RpcError) as caught:
        client.submit(request(**fields))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert detail(caught.value, error_details_pb2.BadRequest).field_violations[0].field == field


def test_unknown_and_malformed_job_ids(client):
    with pytest.raises(grpc.RpcError) as caught:
        client.get("0" * 32)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as caught:
        client.fetch("../../etc/passwd")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_cancel_stops_a_running_job_within_one_step(client):
    job = client.submit(request(steps=200))
    running = wait_for(lambda: (j := client.get(job.job_id)).progress.stage == "denoising" and j)
    cancelled = client.cancel(job.job_id)
    assert cancelled.state == pb.JOB_STATE_CANCELLED
    step_at_cancel = cancelled.progress.step
    time.sleep(1.0)
    final = client.get(job.job_id)
    assert final.state == pb.JOB_STATE_CANCELLED and final.failure_code == "CANCELLED"
    assert running.progress.step <= final.progress.step <= step_at_cancel + 1
    with pytest.raises(grpc.RpcError) as caught:
        client.fetch(job.job_id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_generate_is_a_job_and_audio_can_be_left_out(served, client, tmp_path):
    reply = generate_remote(served.address, GenerationRequest(PROMPT, seed=5, steps=2))
    assert [p.step for p in reply.progress if p.stage == "denoising"] == [1, 2]
    assert client.get(reply.accepted.job_id).state == pb.JOB_STATE_SUCCEEDED
    job = client.submit(request(generate_audio=False))
    assert client.wait(job.job_id).video.sample_rate == 0
    (tmp_path / "silent.mp4").write_bytes(client.fetch(job.job_id))
    kinds = [s["codec_type"] for s in ffprobe(tmp_path / "silent.mp4")["streams"]]
    assert kinds == ["video"]


def test_capabilities_describe_the_served_model(client):
    caps = client.capabilities()
    assert caps.preset == "tiny" and caps.default_width == 64 and caps.max_duration_s == 15.0
    assert caps.references.max_images == 9 and "first_frame" in caps.references.roles
    assert caps.negative_prompt_supported and not any("negative_prompt" in n for n in caps.notes)
    assert caps.draft_steps == 6
    assert caps.max_queued_jobs == 8


def test_full_queue_is_resource_exhausted_with_retry_info_then_expiry(local_stages, tmp_path):
    jobs = JobSettings(store_dir=str(tmp_path), workers=1, max_queued=2)
    with ServerThread(local_stages, jobs) as server, JobClient(server.address) as client:
        blocker = client.submit(request(steps=200))
        wait_for(lambda: client.get(blocker.job_id).state == pb.JOB_STATE_RUNNING)
        short = client.submit(request(queue_timeout_s=0.5))
        client.submit(request(priority=pb.PRIORITY_LOW))
        with pytest.raises(grpc.RpcError) as caught:
            client.submit(request())
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert detail(caught.value, error_details_pb2.RetryInfo).retry_delay.seconds >= 1
        expired = client.wait(short.job_id, timeout_s=30)
        assert expired.state == pb.JOB_STATE_EXPIRED and not expired.started_at.seconds
        client.cancel(blocker.job_id)


def test_deadline_fails_the_job_with_deadline_exceeded(served, client):
    job = client.submit(request(steps=200, deadline_s=1.0))
    final = client.wait(job.job_id, timeout_s=60)
    assert final.state == pb.JOB_STATE_FAILED and final.failure_code == "DEADLINE_EXCEEDED"
    with pytest.raises(grpc.RpcError) as caught:
        generate_remote(
            client.channel._channel.target().decode(),
            GenerationRequest(PROMPT, seed=1, steps=200),
            timeout_s=1.0,
        )
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_jobs_survive_a_server_restart_resume_mid_loop_and_videos_expire(local_stages, tmp_path):
    jobs = JobSettings(
        store_dir=str(tmp_path), workers=1, lease_s=1.0, result_ttl_s=3.0, checkpoint_s=0.01
    )
    first = ServerThread(local_stages, jobs)
    with JobClient(first.address) as client:
        done = client.submit(request())
        client.wait(done.job_id)
        interrupted = client.submit(request(steps=12))
        wait_for(lambda: first.store.get_artifact(interrupted.job_id, ".state") is not None)
    first.stop()  # the runner dies mid-job; its record says RUNNING with a stale heartbeat
    with ServerThread(local_stages, jobs) as second, JobClient(second.address) as client:
        assert client.get(done.job_id).state == pb.JOB_STATE_SUCCEEDED
        final = client.wait(interrupted.job_id, timeout_s=60)
        assert final.state == pb.JOB_STATE_SUCCEEDED and final.attempts == 2
        assert "keyframes" not in final.video.stage_seconds  # continued from the saved state
        # the runner drops the saved state just after it records the end, which the client
        # may see first
        wait_for(lambda: second.store.get_artifact(interrupted.job_id, ".state") is None)
        resumed_mp4 = client.fetch(interrupted.job_id)
        again = client.wait(client.submit(request(steps=12)).job_id, timeout_s=60)
        assert client.fetch(again.job_id) == resumed_mp4  # the same video as without the restart
        wait_for(lambda: not client.get(done.job_id).video.available, timeout_s=10)
        with pytest.raises(grpc.RpcError) as caught:
            client.fetch(done.job_id)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
