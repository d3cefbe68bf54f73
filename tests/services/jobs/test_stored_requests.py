"""The job request as the store keeps it (jobs/requests.py): format 2 round trips every field,
format 1 rows (the GenerateRequest proto, written before it) are read by the gRPC layer's
reader and rewritten once when the store opens, and a job stored in format 1 mid-run resumes."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from reelflow.pipeline.editing.edits import EditSpec
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.api.grpc.client import JobClient
from reelflow.services.api.grpc.messages import read_stored_v1, request_to_proto
from reelflow.services.jobs import requests
from reelflow.services.jobs.requests import EditRequest, JobOptions, JobRequest, Priority
from reelflow.services.jobs.settings import JobSettings
from reelflow.services.jobs.store import open_store
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread
from tests.services.jobs.test_job_store import job as queued_job

PROMPT = "[0-1s] a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"
FULL = JobRequest(
    GenerationRequest(
        PROMPT,
        duration_s=2.0,
        fps=8,
        width=64,
        height=48,
        seed=2**40,
        steps=3,
        guidance=2.5,
        references={"image1": b"\x89PNG\x00\xff", "audio1": b"ID3\x00"},
        roles={"image1": "first_frame"},
        negative_prompt="blurry",
        draft=True,
        cache_threshold=0.25,
    ),
    EditRequest(EditSpec("retake", start_s=0.5, end_s=1.0, audio=False), source_mp4=b"\x00mp4"),
    JobOptions(
        priority=Priority.HIGH,
        queue_timeout_s=30.0,
        deadline_s=90.0,
        preview_every=2,
        callback_url="https://hooks.example.com/x",
        generate_audio=False,
        return_last_frame=True,
    ),
)


@pytest.mark.parametrize(
    "request_",
    [
        FULL,
        JobRequest(GenerationRequest("a blue box")),
        JobRequest(GenerationRequest(""), EditRequest(EditSpec("remix"), source_job_id="ab" * 16)),
    ],
)
def test_format_2_round_trips_every_field(request_):
    data = requests.encode(request_)
    assert data.startswith(requests.MAGIC)
    assert requests.decode(data) == request_
    assert requests.request_hash(request_) == requests.request_hash(requests.decode(data))


def test_a_cut_or_foreign_row_is_refused_not_misread():
    data = requests.encode(FULL)
    with pytest.raises(ValueError, match="cut short"):
        requests.decode(data[:-2])
    with pytest.raises(ValueError, match="format 1"):  # no reader for proto rows given
        requests.decode(request_to_proto(FULL.generation).SerializeToString())


def _format_1(request: GenerationRequest, **fields) -> bytes:
    """A row as the store wrote it before format 2: the GenerateRequest, seed fixed."""
    message = request_to_proto(request)
    for name, value in fields.items():
        setattr(message, name, value)
    return message.SerializeToString()


def test_format_1_rows_are_read_and_rewritten_once_when_the_store_opens(tmp_path):
    store = open_store("", tmp_path)
    generation = GenerationRequest(PROMPT, seed=7, steps=2, references={"image1": b"\x89PNG"})
    record = replace(queued_job(), request=JobRequest(generation))
    store.submit(record, "h", 10, 10)
    old = _format_1(generation, priority=pb.PRIORITY_HIGH, generate_audio=False, preview_every=3)
    store.database.execute("UPDATE jobs SET request = ?", (old,))
    store.database.execute("DELETE FROM store_meta")  # as a store of the old version has it
    store.close()

    store = open_store("", tmp_path, legacy=read_stored_v1)
    (raw,) = store.database.execute("SELECT request FROM jobs").fetchone()
    assert bytes(raw).startswith(requests.MAGIC)
    migrated = store.get(record.job_id).request
    assert migrated.generation == generation
    assert migrated.options == JobOptions(
        priority=Priority.HIGH, generate_audio=False, preview_every=3
    )
    (meta,) = store.database.execute("SELECT value FROM store_meta").fetchone()
    assert int(meta) == requests.FORMAT
    store.close()
    assert open_store("", tmp_path).get(record.job_id).request == migrated  # no reader needed


def test_a_job_stored_in_format_1_mid_run_resumes_after_the_upgrade(local_stages, tmp_path):
    jobs = JobSettings(store_dir=str(tmp_path), workers=1, lease_s=1.0, checkpoint_s=0.01)
    generation = GenerationRequest(PROMPT, seed=11, steps=12)
    first = ServerThread(local_stages, jobs)
    with JobClient(first.address) as client:
        job = client.submit(generation)
        deadline = time.monotonic() + 60
        while first.store.get_artifact(job.job_id, ".state") is None:
            assert time.monotonic() < deadline, "the job saved no loop state"
            time.sleep(0.01)
    first.stop()  # the runner dies mid-job; now its row goes back to the old format
    store = open_store("", tmp_path)
    store.database.execute(
        "UPDATE jobs SET request = ? WHERE job_id = ?", (_format_1(generation), job.job_id)
    )
    store.database.execute("DELETE FROM store_meta")
    store.close()
    with ServerThread(local_stages, jobs) as second, JobClient(second.address) as client:
        final = client.wait(job.job_id, timeout_s=60)
        assert final.state == pb.JOB_STATE_SUCCEEDED and final.attempts == 2
        assert "keyframes" not in final.video.stage_seconds  # continued from the saved state
        resumed = client.fetch(job.job_id)
        again = client.wait(client.submit(generation).job_id, timeout_s=60)
        assert client.fetch(again.job_id) == resumed  # the video it would have made
