"""LTX-2 served by the job machinery (the embedded server, `model: {family: ltx2, path}`), from
a tiny snapshot built here: gRPC Generate streams progress per step and gives the very MP4 the
embedded CLI makes; the OpenAI SDK creates, polls and downloads one (h264 + aac); what LTX-2
cannot do yet is INVALID_ARGUMENT / 400 naming the field, and the server keeps serving."""

from __future__ import annotations

import grpc
import openai
import pytest

from reelflow.cli.main import main
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.api.grpc.client import JobClient, generate_remote
from reelflow.services.api.grpc.messages import request_to_proto
from reelflow.services.config import ModelConfig
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.conftest import ffprobe
from tests.pipeline.ltx2.tiny_snapshot import save_tiny_snapshot
from tests.services.embedded import ServerThread

PROMPT = "a red ball bounces"
SMALL = {"duration_s": 1.0, "fps": 24, "width": 32, "height": 32, "steps": 2, "seed": 3}


def assert_h264_aac(path, *, frames: int, fps: int, size: int, sample_rate: int) -> None:
    """A 16 kHz AAC track ends on a 1,024-sample frame, so its duration may pass the
    picture's by one AAC frame (the tiny preset's clips have whole seconds, LTX-2's 8k + 1)."""
    streams = {s["codec_type"]: s for s in ffprobe(path)["streams"]}
    video, audio = streams["video"], streams["audio"]
    assert (video["codec_name"], audio["codec_name"]) == ("h264", "aac")
    assert (int(video["width"]), int(video["height"])) == (size, size)
    assert video["avg_frame_rate"] == f"{fps}/1" and int(video["nb_frames"]) == frames
    assert int(audio["sample_rate"]) == sample_rate
    assert 0 <= float(audio["duration"]) - frames / fps <= 1024 / sample_rate + 1 / fps


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return save_tiny_snapshot(tmp_path_factory.mktemp("ltx2") / "tiny-ltx2")


@pytest.fixture(scope="module")
def served(snapshot, tmp_path_factory):
    jobs = JobSettings(store_dir=str(tmp_path_factory.mktemp("jobs")), workers=1, max_queued=8)
    model = ModelConfig(family="ltx2", path=str(snapshot))
    with ServerThread(None, jobs, http=True, model=model) as server:
        yield server


def test_generate_streams_steps_and_equals_the_embedded_cli(served, snapshot, tmp_path):
    seen = []
    reply = generate_remote(served.address, GenerationRequest(PROMPT, **SMALL), seen.append)
    assert [p.step for p in seen if p.stage == "denoising"] == [0, 1, 2]
    assert reply.accepted.num_frames == 25 and reply.result.seed == 3  # 24 frames -> 8k + 1
    served_mp4 = tmp_path / "served.mp4"
    served_mp4.write_bytes(reply.result.mp4)
    assert_h264_aac(served_mp4, frames=25, fps=24, size=32, sample_rate=16000)
    embedded = tmp_path / "embedded.mp4"
    args = ["--duration", "1", "--fps", "24", "--size", "32x32", "--steps", "2", "--seed", "3"]
    code = main(["generate", PROMPT, "--model", "ltx2", "--model-path", str(snapshot), *args,
                 "-o", str(embedded)])  # fmt: skip
    assert code == 0 and embedded.read_bytes() == reply.result.mp4  # bit-identical


def test_the_openai_sdk_creates_polls_and_downloads_an_ltx2_video(served, tmp_path):
    client = openai.OpenAI(base_url=f"{served.http_url}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list().data] == ["ltx-2"]
    video = client.videos.create_and_poll(
        prompt=PROMPT,
        model="ltx-2",
        seconds="1",
        size="32x32",
        extra_body={"seed": 5, "num_inference_steps": 2, "fps": 24},
    )
    assert video.status == "completed" and video.model == "ltx-2" and video.size == "32x32"
    out = tmp_path / "sdk.mp4"
    out.write_bytes(client.videos.download_content(video.id).content)
    assert_h264_aac(out, frames=25, fps=24, size=32, sample_rate=16000)
    with pytest.raises(openai.BadRequestError) as caught:  # remix: not for LTX-2 yet
        client.videos.remix(video.id, prompt="a blue ball")
    assert caught.value.body["param"] == "edit"


def png() -> bytes:
    import io

    from PIL import Image

    from tests.pipeline.ltx2.test_staged_equals_library import first_frame

    buffer = io.BytesIO()
    Image.fromarray(first_frame()).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_openai_sdk_starts_an_ltx2_video_from_an_input_reference(served):
    client = openai.OpenAI(base_url=f"{served.http_url}/v1", api_key="unused", max_retries=0)
    body = {"seed": 5, "num_inference_steps": 2, "fps": 24}
    common = {"prompt": PROMPT, "model": "ltx-2", "seconds": "1", "size": "32x32"}
    started = client.videos.create_and_poll(
        **common, input_reference=("frame.png", png(), "image/png"), extra_body=body
    )
    plain = client.videos.create_and_poll(**common, extra_body=body)
    assert started.status == plain.status == "completed"
    with_image = client.videos.download_content(started.id).content
    assert with_image != client.videos.download_content(plain.id).content


def test_what_ltx2_cannot_do_is_invalid_argument_and_the_server_keeps_serving(served):
    edit = request_to_proto(GenerationRequest(PROMPT, **SMALL))
    edit.edit.kind, edit.edit.source_job_id = pb.EDIT_KIND_REMIX, "ab" * 16
    size = request_to_proto(GenerationRequest(PROMPT, **{**SMALL, "width": 33}))
    video = request_to_proto(GenerationRequest(PROMPT, **SMALL, references={"video1": b"x"}))
    two = {"image1": png(), "image2": png()}
    images = request_to_proto(GenerationRequest(PROMPT, **SMALL, references=two))
    refused = (
        (edit, "edit"),
        (size, "size"),
        (video, "references[video1]"),
        (images, "references[image2]"),
    )
    with JobClient(served.address) as client:
        for message, field in refused:
            with pytest.raises(grpc.RpcError) as caught:
                client.submit(message)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert caught.value.details().startswith(field)
        capabilities = client.capabilities()
        assert capabilities.preset == "ltx-2" and capabilities.default_width == 768
        assert capabilities.references.max_references == 1
        assert list(capabilities.references.roles) == ["first_frame"]
        job = client.wait(client.submit(GenerationRequest(PROMPT, **SMALL)).job_id, 120)
        assert job.state == pb.JOB_STATE_SUCCEEDED and job.video.num_frames == 25


def test_an_ltx2_job_resumes_mid_loop_after_its_runner_dies(snapshot, tmp_path, caplog):
    """The saved loop state (latents after a step) is where the second attempt continues,
    and the video is the one an uninterrupted run makes, to the byte."""
    from tests.services.test_jobs import wait_for

    jobs = JobSettings(store_dir=str(tmp_path), workers=1, lease_s=1.0, checkpoint_s=0.01)
    model = ModelConfig(family="ltx2", path=str(snapshot))
    long = GenerationRequest(PROMPT, **{**SMALL, "steps": 16})
    first = ServerThread(None, jobs, model=model)
    with JobClient(first.address) as client:
        interrupted = client.submit(long)
        wait_for(lambda: first.store.get_artifact(interrupted.job_id, ".state") is not None)
    first.stop()  # the runner dies mid-job; its record says RUNNING with a stale heartbeat
    caplog.set_level("INFO", "reelflow.jobs")
    with ServerThread(None, jobs, model=model) as second, JobClient(second.address) as client:
        final = client.wait(interrupted.job_id, timeout_s=120)
        assert final.state == pb.JOB_STATE_SUCCEEDED and final.attempts == 2
        assert f"job {interrupted.job_id} resumes after step" in caplog.text
        resumed = client.fetch(interrupted.job_id)
        again = client.wait(client.submit(long).job_id, timeout_s=120)
        assert again.attempts == 1 and client.fetch(again.job_id) == resumed


def test_a_cancelled_ltx2_job_stops_within_a_step(served):
    import time

    from tests.services.test_jobs import wait_for

    with JobClient(served.address) as client:
        job = client.submit(GenerationRequest(PROMPT, **{**SMALL, "steps": 100}))
        running = wait_for(lambda: (j := client.get(job.job_id)).progress.step >= 1 and j)
        cancelled = client.cancel(job.job_id)
        assert cancelled.state == pb.JOB_STATE_CANCELLED
        time.sleep(1.0)
        final = client.get(job.job_id)
        assert final.state == pb.JOB_STATE_CANCELLED and final.failure_code == "CANCELLED"
        assert running.progress.step <= final.progress.step <= cancelled.progress.step + 1 < 100
        after = client.wait(client.submit(GenerationRequest(PROMPT, **SMALL)).job_id, 120)
        assert after.state == pb.JOB_STATE_SUCCEEDED  # the runner serves on


def test_an_ltx2_job_streams_previews_that_change_nothing(served):
    with JobClient(served.address) as client:
        watched = request_to_proto(GenerationRequest(PROMPT, **{**SMALL, "steps": 6}))
        watched.preview_every = 2
        job = client.submit(watched)
        previews = {
            j.preview.step: j.preview for j in client.watch(job.job_id, 120) if j.preview.jpeg
        }
        assert client.get(job.job_id).state == pb.JOB_STATE_SUCCEEDED
        assert previews and set(previews) <= {2, 4, 6}
        assert all(p.jpeg.startswith(b"\xff\xd8") and p.frames == 8 for p in previews.values())
        plain = client.wait(
            client.submit(GenerationRequest(PROMPT, **{**SMALL, "steps": 6})).job_id
        )
        assert client.fetch(plain.job_id) == client.fetch(job.job_id)
