"""The edit routes of the OpenAI-compatible API, driven by the real `openai` SDK on the
embedded server: remix (POST /v1/videos/{id}/remix), extensions (by id and by upload), edits
(a retake of a span), OpenAI-shaped 400s naming the HTTP field, and the preview variant of a
running video's content."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import openai
import pytest
from openai.types import Video

from reelflow.services.jobs.settings import AuthSettings, JobSettings
from tests.conftest import ffprobe
from tests.services.embedded import ServerThread
from tests.services.http.openai_server import KEY, sdk, write_keys

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK marks videos.*
PROMPT = "a red ball bouncing on a wooden floor, a soft hum"
QUICK = {"seed": 3, "num_inference_steps": 2}


@pytest.fixture(scope="module")
def served(local_stages, tmp_path_factory):
    root = tmp_path_factory.mktemp("http-edits")
    jobs = JobSettings(store_dir=str(root / "store"), workers=2, max_queued=16)
    auth = AuthSettings(enabled=True, keys_file=str(write_keys(root / "keys.yaml")))
    with ServerThread(local_stages, jobs, auth, http=True) as server:
        yield server


@pytest.fixture(scope="module")
def client(served) -> openai.OpenAI:
    return sdk(served.http_url)


@pytest.fixture(scope="module")
def source(client):
    video = client.videos.create_and_poll(prompt=PROMPT, seconds="2", extra_body=QUICK)
    assert video.status == "completed"
    return video


def post(client, path: str, body: dict) -> Video:
    """A JSON edit through the SDK's own client: its videos.extend/edit helpers only send
    uploads (they reject the {"id": ...} form their types allow), so by-id edits go as JSON."""
    return client.post(path, body=body, cast_to=Video)


def finished(client, video, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while video.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.2)
        video = client.videos.retrieve(video.id)
    assert video.status == "completed", video.error
    return video


def test_remix_is_a_new_video_remixed_from_the_source(client, source):
    video = client.videos.remix(
        source.id, prompt="a blue cube", extra_body={"strength": 0.5, **QUICK}
    )
    assert video.id != source.id and video.remixed_from_video_id == source.id
    done = finished(client, video)
    assert done.seconds == "2" and done.model_extra["edit"] == "remix"


def test_extensions_by_id_and_by_upload(client, source, tmp_path):
    body = {"seconds": "1", "video": {"id": source.id}, **QUICK}
    by_id = post(client, "/videos/extensions", body)
    assert by_id.model_extra["source_video_id"] == source.id
    assert finished(client, by_id).seconds == "3"
    mp4 = client.videos.download_content(source.id).read()
    uploaded = client.videos.extend(
        prompt="the ball rolls away", seconds="1", video=("clip.mp4", mp4), extra_body=QUICK
    )
    finished(client, uploaded)
    path = tmp_path / "long.mp4"
    path.write_bytes(client.videos.download_content(uploaded.id).read())
    video = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
    assert int(video["nb_frames"]) == 24


def test_edits_retake_a_span(client, source):
    body = {"prompt": "a blue cube", "video": {"id": source.id}, "start_seconds": 0.5}
    video = post(client, "/videos/edits", body | {"end_seconds": 1.5, **QUICK})
    done = finished(client, video)
    assert done.model_extra["edit"] == "retake" and done.seconds == "2"


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (
            lambda c, s: post(c, "/videos/extensions", {"seconds": 59, "video": {"id": s.id}}),
            "seconds",
        ),
        (lambda c, s: c.videos.extend(prompt="", seconds="1", video=("a.mp4", b"junk")), "video"),
        (
            lambda c, s: post(c, "/videos/edits", {"video": {"id": s.id}, "end_seconds": 3}),
            "end_seconds",
        ),
        (lambda c, s: c.videos.edit(prompt="x", video=("a.mp4", b"junk")), "video"),
        (lambda c, s: c.videos.remix("0" * 32, prompt="x"), "video_id"),
        (lambda c, s: c.videos.remix(s.id, prompt="x", extra_body={"strength": 2}), "strength"),
    ],
)
def test_bad_edits_are_400_naming_the_http_field(client, source, call, param):
    with pytest.raises(openai.BadRequestError) as caught:
        call(client, source)
    assert caught.value.body["param"] == param, caught.value.body


def test_a_running_video_serves_its_latest_preview(served, client):
    video = client.videos.create(
        prompt=PROMPT, extra_body={"seed": 1, "num_inference_steps": 40, "preview_every": 2}
    )
    url = f"{served.http_url}/v1/videos/{video.id}/content?variant=preview"
    got, deadline = None, time.monotonic() + 120
    while got is None and time.monotonic() < deadline:
        request = urllib.request.Request(url, headers={"authorization": f"Bearer {KEY}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                got = response.headers, response.read()
        except urllib.error.HTTPError as error:
            assert error.code == 409  # no preview yet (or already done)
            time.sleep(0.1)
    assert got is not None
    headers, body = got
    assert headers["content-type"] == "image/jpeg" and body.startswith(b"\xff\xd8")
    assert int(headers["x-preview-step"]) % 2 == 0 and headers["x-preview-frames"] == "8"
    client.videos.delete(video.id)
