"""The OpenAI-compatible HTTP API on the embedded server, driven by the real `openai` SDK:
create_and_poll, retrieve, list paging, the three content variants (the MP4 checked by
ffprobe), range requests, delete of a running job, OpenAI-shaped errors with the right
exception classes, uploads, quotas, and jobs shared with the gRPC API."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import openai
import pytest

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.jobs.settings import AuthSettings, JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.conftest import assert_valid_mp4
from tests.services.embedded import ServerThread
from tests.services.http.openai_server import (
    KEY,
    PROMPT,
    READ_ONLY_KEY,
    SMALL_KEY,
    CountingStages,
    image_frames,
    png,
    sdk,
    write_keys,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK marks videos.*
QUICK = {"seed": 3, "num_inference_steps": 2}


@pytest.fixture(scope="module")
def served(local_stages, tmp_path_factory):
    root = tmp_path_factory.mktemp("http")
    jobs = JobSettings(store_dir=str(root / "store"), workers=2, max_queued=16)
    auth = AuthSettings(enabled=True, keys_file=str(write_keys(root / "keys.yaml")))
    stages = CountingStages(local_stages)
    with ServerThread(stages, jobs, auth, http=True) as server:
        server.stages = stages
        yield server


@pytest.fixture(scope="module")
def client(served) -> openai.OpenAI:
    return sdk(served.http_url)


def raw(served, method: str, path: str, body: bytes | None = None, **headers) -> tuple:
    """One plain HTTP request: (status, headers, body bytes)."""
    headers = {"authorization": f"Bearer {KEY}", **headers}
    request = urllib.request.Request(served.http_url + path, body, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(predicate, timeout_s=60.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_create_and_poll_then_download_every_variant(client, served, tmp_path):
    video = client.videos.create_and_poll(
        prompt=PROMPT, seconds="2", size="64x64", extra_body=QUICK
    )
    assert video.status == "completed" and video.progress == 100 and video.error is None
    assert (video.seconds, video.size, video.model) == ("2", "64x64", "reelflow-tiny")
    assert video.completed_at >= video.created_at and video.expires_at > video.completed_at
    assert client.videos.retrieve(video.id).model_dump() == video.model_dump()
    mp4 = client.videos.download_content(video.id).content
    (tmp_path / "v.mp4").write_bytes(mp4)
    assert_valid_mp4(tmp_path / "v.mp4", seconds=2.0, fps=8, width=64, height=64, sample_rate=16000)
    thumbnail = client.videos.download_content(video.id, variant="thumbnail")
    assert thumbnail.response.headers["content-type"] == "image/webp"
    assert image_frames(thumbnail.content) == ("webp", 64, 64)
    sprites = client.videos.download_content(video.id, variant="spritesheet").content
    assert image_frames(sprites) == ("mjpeg", 4 * 64, 4 * 64)  # 16 frames in rows of 4


def test_the_mp4_answers_range_requests(client, served):
    video = client.videos.create_and_poll(prompt=PROMPT, extra_body=QUICK)
    whole = client.videos.download_content(video.id).content
    path = f"/v1/videos/{video.id}/content"
    status, headers, body = raw(served, "GET", path, Range="bytes=100-199")
    assert status == 206 and body == whole[100:200]
    assert headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert headers["accept-ranges"] == "bytes"
    status, _, body = raw(served, "GET", path, Range="bytes=-50")
    assert status == 206 and body == whole[-50:]
    status, headers, body = raw(served, "GET", path, Range=f"bytes={len(whole)}-")
    assert status == 416 and json.loads(body)["error"]["code"] == "range_not_satisfiable"
    assert headers["content-range"] == f"bytes */{len(whole)}"


def test_list_pages_newest_first_and_oldest_first(client):
    ids = [client.videos.create(prompt=PROMPT, extra_body=QUICK).id for _ in range(3)]
    first = client.videos.list(limit=2)
    assert len(first.data) == 2 and first.has_more and first.data[0].id == ids[-1]
    newest = [v.id for v in client.videos.list(limit=2)]  # the SDK follows `after` pages
    assert newest[:3] == ids[::-1] and len(newest) == len(set(newest))
    oldest = [v.id for v in client.videos.list(limit=2, order="asc")]
    assert oldest == newest[::-1]
    for video_id in ids:
        client.videos.poll(video_id, poll_interval_ms=50)


def test_delete_of_a_running_video_stops_it_within_a_step(client, served):
    video = client.videos.create(prompt=PROMPT, extra_body={"num_inference_steps": 200})
    wait_for(
        lambda: (v := client.videos.retrieve(video.id)).status == "in_progress" and v.progress > 5
    )
    before = served.stages.steps
    deleted = client.videos.delete(video.id)
    at_delete = served.stages.steps
    assert deleted.deleted and deleted.id == video.id and deleted.object == "video.deleted"
    time.sleep(1.0)
    assert served.stages.steps - at_delete <= 1  # stopped within a step
    assert served.stages.steps > before - 1
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(video.id)
    assert served.store.get(video.id) is None  # the record is gone, not just hidden


def test_errors_are_openai_shaped_with_the_right_exception(served, client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.videos.retrieve("0" * 32)
    assert caught.value.body["type"] == "invalid_request_error"
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("video_68d7512d07848190b3e45da0ecbebcde")  # an OpenAI-style id
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(served.http_url, key="wrong").videos.list()
    assert caught.value.body["type"] == "authentication_error"
    with pytest.raises(openai.PermissionDeniedError):
        sdk(served.http_url, key=READ_ONLY_KEY).videos.create(prompt=PROMPT)
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt=PROMPT, size="720x1280")  # past the tiny preset's sides
    assert caught.value.body["param"] == "size" and "multiples of 8" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt="x" * 5001)
    assert caught.value.body["param"] == "prompt"
    assert "(characters 5000-5001)" in caught.value.body["message"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt=PROMPT, seconds="20")
    assert caught.value.body["param"] == "seconds"
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt=PROMPT, model="gpt-4o")
    assert caught.value.body["param"] == "model"
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt=PROMPT, extra_body={"num_inference_steps": 999})
    assert caught.value.body["param"] == "num_inference_steps"
    with pytest.raises(openai.BadRequestError) as caught:
        client.videos.create(prompt=PROMPT, extra_body={"colour": "red"})
    assert caught.value.body["param"] == "colour"


def test_a_full_quota_is_429_with_retry_after(served):
    small = sdk(served.http_url, key=SMALL_KEY)
    held = small.videos.create(prompt=PROMPT, extra_body={"num_inference_steps": 200})
    with pytest.raises(openai.RateLimitError) as caught:
        small.videos.create(prompt=PROMPT)
    assert int(caught.value.response.headers["retry-after"]) >= 1
    assert caught.value.body["type"] == "rate_limit_error"
    assert small.videos.delete(held.id).deleted


def test_uploads_become_references(client, served):
    image = png()
    video = client.videos.create(
        prompt="@image1 [0-1s] the ball rolls right",
        input_reference=("ref.png", image, "image/png"),
        extra_body=QUICK,
    )
    stored = served.store.get(video.id).request.generation
    assert (dict(stored.references), dict(stored.roles)) == (
        {"image1": image},
        {"image1": "first_frame"},
    )
    data_url = "data:image/png;base64," + base64.b64encode(image).decode()
    body = {
        "prompt": "@image1 [0-1s] the ball jumps over @image2",
        "input_reference": {"image_url": data_url},
        "references": {"image2": data_url},
    }
    status, _, answer = raw(
        served,
        "POST",
        "/v1/videos",
        json.dumps(body | QUICK).encode(),
        **{"content-type": "application/json"},
    )
    assert status == 200, answer
    stored = served.store.get(json.loads(answer)["id"]).request.generation
    assert list(stored.references) == ["image1", "image2"]
    assert dict(stored.roles) == {"image1": "first_frame"}
    assert stored.references["image2"] == image
    with pytest.raises(openai.APIStatusError) as caught:  # one byte over the per-file limit
        client.videos.create(prompt=PROMPT, input_reference=("big.png", b"\0" * (20 * 2**20 + 1)))
    assert caught.value.status_code == 413 and caught.value.body["param"] == "input_reference"
    with pytest.raises(openai.BadRequestError) as caught:  # the SDK's sizes, a broken image
        client.videos.create(prompt="@image1 [0-1s] x", input_reference=("x.png", b"not a png"))
    assert caught.value.body["param"] == "input_reference"
    for video_id in (video.id, json.loads(answer)["id"]):
        client.videos.poll(video_id, poll_interval_ms=50)


def test_jobs_are_shared_with_the_grpc_api(client, served):
    with JobClient(served.address, api_key=KEY) as grpc_client:
        job = grpc_client.submit(pb.GenerateRequest(prompt=PROMPT, seed=3, steps=2))
        video = client.videos.poll(job.job_id, poll_interval_ms=50)  # submitted over gRPC
        assert video.status == "completed" and video.prompt == PROMPT
        created = client.videos.create(prompt=PROMPT, extra_body=QUICK)
        final = grpc_client.wait(created.id, timeout_s=60)  # submitted over HTTP
        assert final.state == pb.JOB_STATE_SUCCEEDED and final.seed == 3
        assert grpc_client.fetch(created.id) == client.videos.download_content(created.id).content


def test_models_list_ours_and_accept_sora_names(client):
    assert [m.id for m in client.models.list()] == ["reelflow-tiny"]
    assert client.models.retrieve("sora-2").id == "reelflow-tiny"
    video = client.videos.create(prompt=PROMPT, model="sora-2-pro", extra_body=QUICK)
    assert video.model == "reelflow-tiny" and video.status == "queued"
    client.videos.poll(video.id, poll_interval_ms=50)


def test_http_requests_count_in_the_reelflow_metrics_by_route_and_status(client):
    from reelflow.services import metrics

    def count(route: str, status: str) -> float:
        value = metrics.REGISTRY.get_sample_value(
            "reelflow_http_requests_total", {"route": route, "status": status}
        )
        return value or 0.0

    found, missing = count("/v1/videos/{video_id}", "200"), count("/v1/videos/{video_id}", "404")
    video = client.videos.create(prompt=PROMPT, extra_body=QUICK)
    client.videos.retrieve(video.id)
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve("f" * 32)
    assert count("/v1/videos/{video_id}", "200") == found + 1
    assert count("/v1/videos/{video_id}", "404") == missing + 1
    client.videos.poll(video.id, poll_interval_ms=50)
