"""The job API through a real local Ray Serve (the Serve gRPC proxy and the Orchestrator
deployment): rich error details on unary calls, API keys, and faults — a stage replica and the
Orchestrator replica killed mid-job."""

from __future__ import annotations

import shutil
import tempfile
import time

import grpc
import pytest
import yaml
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.hosts.ray import server
from reelflow.services.jobs.auth import hash_key
from reelflow.v1 import generation_pb2 as pb
from tests.services.deployments.test_serve_e2e import free_port

pytestmark = pytest.mark.serve
PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"
KEY = "test-secret"


def request(**fields) -> pb.GenerateRequest:
    return pb.GenerateRequest(**({"prompt": PROMPT, "seed": 3, "steps": 2} | fields))


@pytest.fixture(scope="module")
def address(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve-jobs")
    patch = pytest.MonkeyPatch()
    # not shared with other local Rays, and short: Ray's socket paths (<= 107 bytes) live in it
    ray_dir = tempfile.mkdtemp(prefix="rf-serve-jobs-")
    patch.setenv("REELFLOW_RAY_TMPDIR", ray_dir)
    keys = root / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {
                "keys": [
                    {"name": "tester", "sha256": hash_key(KEY)},
                    {"name": "small", "sha256": hash_key("small-secret"), "max_active_jobs": 1},
                ]
            }
        )
    )
    raw = server.read_raw_config(None)
    raw["checkpoint"] = "none"
    raw["http_port"] = free_port()
    raw["jobs"] = {
        **raw["jobs"],
        "store_dir": str(root / "store"),
        "lease_s": 3.0,
        "checkpoint_s": 0.5,
        "stage_timeout_s": 60.0,
        "stage_retries": 4,
    }
    raw["auth"] = {"enabled": True, "keys_file": str(keys)}
    temporal = raw["deployments"]["TemporalStage"]
    temporal["num_replicas"] = 2  # one can be killed; 2 cores hold both at 0.2 CPU each
    temporal["ray_actor_options"] = {**temporal["ray_actor_options"], "num_cpus": 0.2}
    config = server.start(raw, grpc_port=free_port())
    try:
        yield f"127.0.0.1:{config.grpc_port}"
    finally:
        server.stop()
        patch.undo()
        shutil.rmtree(ray_dir, ignore_errors=True)


@pytest.fixture
def client(address):
    with JobClient(address, api_key=KEY) as job_client:
        yield job_client


def replica_actors(deployment: str) -> list:
    import ray

    names = [
        actor["name"]
        for actor in ray.util.list_named_actors(all_namespaces=True)
        if actor["name"].startswith(f"SERVE_REPLICA::reelflow#{deployment}#")
    ]
    return [ray.get_actor(name, namespace="serve") for name in names]


def wait_for(predicate, timeout_s=120.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            value = predicate()
        except grpc.RpcError as error:  # the proxy answers UNAVAILABLE while a replica restarts
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL):
                raise
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_jobs_through_the_serve_proxy(client):
    job = client.submit(request(return_last_frame=True), request_id="serve-1")
    assert client.submit(request(return_last_frame=True), request_id="serve-1").job_id == job.job_id
    final = client.wait(job.job_id, timeout_s=300)
    assert final.state == pb.JOB_STATE_SUCCEEDED, final.failure_reason
    mp4 = client.fetch(job.job_id, chunk_bytes=8192)
    assert len(mp4) == final.video.mp4_bytes and mp4[4:8] == b"ftyp"
    assert client.fetch(job.job_id, artifact=pb.ARTIFACT_LAST_FRAME_PNG)[:4] == b"\x89PNG"
    assert job.job_id in {j.job_id for j in client.list().jobs}
    assert client.capabilities().preset == "tiny"


def test_edits_through_serve_use_the_muxers_encode_and_preview_calls(client):
    """An uploaded MP4 is encoded by the Muxer deployment (encode_source) and previews are
    decoded there (preview): both stage calls over the handles, not only embedded."""
    source = client.submit(request(prompt="a red ball bouncing, a beep", duration_s=1.0))
    source = client.wait(source.job_id, timeout_s=300)
    edit = pb.Edit(kind=pb.EDIT_KIND_EXTEND, source_mp4=client.fetch(source.job_id), seconds=1.0)
    job = client.submit(pb.GenerateRequest(edit=edit, seed=1, steps=4, preview_every=1))
    previews = [j.preview for j in client.watch(job.job_id, 300) if j.preview.jpeg]
    final = client.get(job.job_id)
    assert final.state == pb.JOB_STATE_SUCCEEDED, final.failure_reason
    assert final.video.num_frames == 16 and final.edit_kind == pb.EDIT_KIND_EXTEND
    assert previews and previews[-1].jpeg.startswith(b"\xff\xd8")


def test_unary_errors_keep_their_details_through_the_proxy(address, client):
    with pytest.raises(grpc.RpcError) as caught:
        client.submit(request(prompt=""))
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "Traceback" not in error.details()
    bad = error_details_pb2.BadRequest()
    assert rpc_status.from_call(error).details[0].Unpack(bad)
    assert bad.field_violations[0].field == "prompt"
    with JobClient(address) as anonymous, pytest.raises(grpc.RpcError) as caught:
        anonymous.get("0" * 32)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as caught:
        client.get("0" * 32)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_quota_is_resource_exhausted_with_retry_info_through_the_proxy(address):
    with JobClient(address, api_key="small-secret") as small:
        held = small.submit(request(steps=100))
        with pytest.raises(grpc.RpcError) as caught:
            small.submit(request())
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        retry = error_details_pb2.RetryInfo()
        assert rpc_status.from_call(caught.value).details[0].Unpack(retry)
        assert retry.retry_delay.seconds >= 1
        assert small.cancel(held.job_id).state == pb.JOB_STATE_CANCELLED


def test_killing_a_stage_replica_mid_job_retries_the_step(client, capsys):
    import ray

    def run(kill: bool) -> tuple[pb.Job, float]:
        job = client.submit(request(steps=40))
        wait_for(lambda: client.get(job.job_id).progress.step >= 2)
        began = time.monotonic()
        if kill:
            ray.kill(replica_actors("TemporalStage")[0], no_restart=True)
        return client.wait(job.job_id, timeout_s=300), time.monotonic() - began

    _, baseline = run(kill=False)
    final, recovered = run(kill=True)
    assert final.state == pb.JOB_STATE_SUCCEEDED, final.failure_reason
    assert final.attempts == 1  # retried at the step, not restarted
    with capsys.disabled():
        print(
            f"\nstage replica killed at step 2 of 40: rest of the job took {recovered:.1f}s"
            f" (without a kill: {baseline:.1f}s)"
        )


def test_job_survives_an_orchestrator_replica_restart(client, capsys):
    import ray

    done = client.submit(request(), request_id="before-restart")
    client.wait(done.job_id, timeout_s=300)
    job = client.submit(request(steps=30))
    wait_for(lambda: client.get(job.job_id).progress.step >= 15)  # a loop state is saved
    (orchestrator,) = replica_actors("Orchestrator")
    killed_at = client.get(job.job_id).progress.step
    killed = time.monotonic()
    ray.kill(orchestrator, no_restart=True)
    final = wait_for(
        lambda: (j := client.get(job.job_id)).state == pb.JOB_STATE_SUCCEEDED and j, 300
    )
    recovered = time.monotonic() - killed
    assert final.attempts == 2 and final.video.available
    assert "keyframes" not in final.video.stage_seconds  # resumed, not started again
    assert client.get(done.job_id).state == pb.JOB_STATE_SUCCEEDED
    assert client.fetch(done.job_id)[4:8] == b"ftyp"
    with capsys.disabled():
        print(
            f"\nOrchestrator replica killed at step {killed_at} of 30: job resumed and"
            f" SUCCEEDED {recovered:.1f}s later"
        )
