"""The OpenAI-compatible HTTP API through a real local Ray Serve (the Serve HTTP proxy on its
own port and the Orchestrator deployment as the ASGI ingress), with the real openai SDK:
create_and_poll, retrieve, list paging, all three content variants (the MP4 checked by
ffprobe), delete of a running job, the error classes, jobs shared with the Serve gRPC proxy,
and a signed webhook from the Orchestrator replica."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import openai
import pytest

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.hosts.ray import server
from reelflow.v1 import generation_pb2 as pb
from tests.conftest import assert_valid_mp4
from tests.services.deployments.test_serve_e2e import free_port
from tests.services.http.openai_server import KEY, PROMPT, image_frames, sdk, write_keys
from tests.services.http.receiver import SECRET, Receiver

pytestmark = [pytest.mark.serve, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
QUICK = {"seed": 3, "num_inference_steps": 2}


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as hook:
        yield hook


@pytest.fixture(scope="module")
def served(tmp_path_factory, receiver):
    root = tmp_path_factory.mktemp("serve-http")
    patch = pytest.MonkeyPatch()
    ray_dir = tempfile.mkdtemp(prefix="rf-serve-http-")  # short: Ray's socket paths live in it
    patch.setenv("REELFLOW_RAY_TMPDIR", ray_dir)
    patch.setenv("REELFLOW_WEBHOOK_SECRET", SECRET)  # the local Ray's workers inherit it
    raw = server.read_raw_config(None)
    raw["checkpoint"] = "none"
    raw["jobs"] = {**raw["jobs"], "store_dir": str(root / "store")}
    raw["auth"] = {"enabled": True, "keys_file": str(write_keys(root / "keys.yaml"))}
    raw["webhooks"] = {"allowed_hosts": ["127.0.0.1"], "backoff_s": 0.1}
    config = server.start(raw, grpc_port=free_port(), http_port=free_port())
    try:
        yield {
            "http": f"http://127.0.0.1:{config.http_port}",
            "grpc": f"127.0.0.1:{config.grpc_port}",
        }
    finally:
        server.stop()
        patch.undo()
        shutil.rmtree(ray_dir, ignore_errors=True)
        assert os.environ.get("REELFLOW_WEBHOOK_SECRET") != SECRET


def test_the_sdk_through_the_serve_http_proxy(served, receiver, tmp_path):
    client = sdk(served["http"])
    began = time.monotonic()
    video = client.videos.create_and_poll(
        prompt=PROMPT, seconds="2", extra_body=QUICK | {"callback_url": receiver.url}
    )
    assert video.status == "completed" and video.progress == 100, video.error
    assert time.monotonic() - began < 120
    assert client.videos.retrieve(video.id).id == video.id
    mp4 = client.videos.download_content(video.id).content
    (tmp_path / "v.mp4").write_bytes(mp4)
    assert_valid_mp4(tmp_path / "v.mp4", seconds=2.0, fps=8, width=64, height=64, sample_rate=16000)
    thumbnail = client.videos.download_content(video.id, variant="thumbnail").content
    assert image_frames(thumbnail) == ("webp", 64, 64)
    sprites = client.videos.download_content(video.id, variant="spritesheet").content
    assert image_frames(sprites)[0] == "mjpeg"
    second = client.videos.create_and_poll(prompt=PROMPT, extra_body=QUICK)
    listed = [v.id for v in client.videos.list(limit=1)]  # one per page, the SDK pages on
    assert listed[:2] == [second.id, video.id]
    # the Orchestrator replica signed and sent every state change
    states = receiver.wait_for_state(video.id, "SUCCEEDED")
    assert states == ["QUEUED", "RUNNING", "SUCCEEDED"] and receiver.bad_signatures == 0


def test_errors_and_delete_through_the_serve_http_proxy(served):
    client = sdk(served["http"])
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("0" * 32)
    with pytest.raises(openai.AuthenticationError):
        sdk(served["http"], key="wrong").videos.retrieve("0" * 32)
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt=PROMPT, size="720x1280")
    assert caught.value.body["param"] == "size"
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt="x" * 5001)
    assert caught.value.body["param"] == "prompt" and "5000-5001" in caught.value.message
    running = client.videos.create(prompt=PROMPT, extra_body={"num_inference_steps": 200})
    end = time.monotonic() + 120
    while (current := client.videos.retrieve(running.id)).progress < 10:
        assert time.monotonic() < end, current
        time.sleep(0.1)
    assert client.videos.delete(running.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(running.id)


def test_jobs_are_shared_with_the_serve_grpc_proxy(served):
    client = sdk(served["http"])
    with JobClient(served["grpc"], api_key=KEY) as grpc_client:
        job = grpc_client.submit(pb.GenerateRequest(prompt=PROMPT, seed=3, steps=2))
        assert client.videos.poll(job.job_id, poll_interval_ms=100).status == "completed"
        created = client.videos.create(prompt=PROMPT, extra_body=QUICK)
        assert grpc_client.wait(created.id, timeout_s=120).state == pb.JOB_STATE_SUCCEEDED
