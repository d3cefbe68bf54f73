"""Edits as jobs over real gRPC on the embedded server: retake of a job's kept latents,
extend of an uploaded MP4, remix with previews in WatchJob, and every bad edit an
INVALID_ARGUMENT naming its field while the server keeps serving."""

from __future__ import annotations

import time

import grpc
import pytest
import torch
from google.rpc import error_details_pb2

from reelflow.pipeline.editing.source import SourceLatents
from reelflow.services.api.grpc.client import JobClient
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread
from tests.services.test_jobs import detail

PROMPT = "a red ball bouncing on a wooden floor, a soft hum"


@pytest.fixture(scope="module")
def served(local_stages, tmp_path_factory):
    jobs = JobSettings(store_dir=str(tmp_path_factory.mktemp("edits")), workers=2, max_queued=8)
    with ServerThread(local_stages, jobs) as server:
        yield server


@pytest.fixture(scope="module")
def client(served):
    with JobClient(served.address) as client:
        yield client


@pytest.fixture(scope="module")
def source(client):
    job = client.submit(pb.GenerateRequest(prompt=PROMPT, duration_s=2.0, seed=1, steps=2))
    done = client.wait(job.job_id, 120)
    assert done.state == pb.JOB_STATE_SUCCEEDED
    return done


def latents(served, job_id: str) -> SourceLatents:
    return SourceLatents.from_bytes(served.store.get_artifact(job_id, ".latents"))


def edit_request(edit: pb.Edit, prompt: str = "", **fields) -> pb.GenerateRequest:
    return pb.GenerateRequest(prompt=prompt, edit=edit, seed=2, steps=2, **fields)


def test_a_retake_of_a_job_keeps_its_latents_outside_the_span(served, client, source):
    edit = pb.Edit(kind=pb.EDIT_KIND_RETAKE, source_job_id=source.job_id, start_s=0.5, end_s=1.5)
    job = client.submit(edit_request(edit, "a blue cube"))
    assert job.edit_kind == pb.EDIT_KIND_RETAKE and job.source_job_id == source.job_id
    done = client.wait(job.job_id, 120)
    assert done.state == pb.JOB_STATE_SUCCEEDED and done.video.duration_s == 2.0
    before, after = latents(served, source.job_id), latents(served, done.job_id)
    assert torch.equal(after.xv[:4], before.xv[:4]) and torch.equal(after.xv[12:], before.xv[12:])
    assert not torch.equal(after.xv[4:12], before.xv[4:12])
    assert served.store.get_artifact(done.job_id, ".source") is None  # dropped when done


def test_an_uploaded_mp4_is_extended(client, source):
    mp4 = client.fetch(source.job_id)
    edit = pb.Edit(kind=pb.EDIT_KIND_EXTEND, source_mp4=mp4, seconds=1.0)
    done = client.wait(client.submit(edit_request(edit)).job_id, 120)
    assert done.state == pb.JOB_STATE_SUCCEEDED, done.failure_reason
    assert done.video.duration_s == 3.0 and done.video.num_frames == 24 and not done.source_job_id


def test_a_remix_streams_previews_while_it_denoises(client, source):
    edit = pb.Edit(kind=pb.EDIT_KIND_REMIX, source_job_id=source.job_id, strength=1.0)
    job = client.submit(
        pb.GenerateRequest(prompt="a green cube", edit=edit, seed=2, steps=12, preview_every=2)
    )
    previews = {j.preview.step: j.preview for j in client.watch(job.job_id, 120) if j.preview.jpeg}
    assert client.get(job.job_id).state == pb.JOB_STATE_SUCCEEDED
    assert previews and set(previews) <= set(range(2, 13, 2))
    assert all(p.jpeg.startswith(b"\xff\xd8") and p.frames == 8 for p in previews.values())
    plain = client.submit(pb.GenerateRequest(prompt=PROMPT, seed=1, steps=2))
    assert not any(j.HasField("preview") for j in client.watch(plain.job_id, 120))


def field_of(error: grpc.RpcError) -> str:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return detail(error, error_details_pb2.BadRequest).field_violations[0].field


def test_bad_edits_are_invalid_argument_naming_the_field(served, client, source):
    of = source.job_id
    retake = pb.Edit(kind=pb.EDIT_KIND_RETAKE, source_job_id=of)
    cases = [
        (pb.Edit(kind=pb.EDIT_KIND_RETAKE, source_job_id=of, end_s=3.0), {}, "edit.end_s"),
        (pb.Edit(kind=pb.EDIT_KIND_RETAKE, source_job_id="0" * 32), {}, "edit.source_job_id"),
        (pb.Edit(kind=pb.EDIT_KIND_EXTEND, source_mp4=b"junk", seconds=1), {}, "edit.source_mp4"),
        (pb.Edit(kind=pb.EDIT_KIND_EXTEND, source_job_id=of, seconds=59), {}, "edit.seconds"),
        (pb.Edit(kind=pb.EDIT_KIND_REMIX, source_job_id=of, strength=2), {}, "edit.strength"),
        (pb.Edit(kind=pb.EDIT_KIND_RETAKE), {}, "edit.source_job_id"),
        (retake, {"duration_s": 4.0}, "duration_s"),
        (retake, {"preview_every": 101}, "preview_every"),
    ]  # fmt: skip
    for edit, fields, field in cases:
        with pytest.raises(grpc.RpcError) as caught:
            client.submit(edit_request(edit, "x", **fields))
        assert field_of(caught.value) == field, (edit, fields)
    # a source whose result expired (the sweep deleted its files) names the source field
    job = client.submit(pb.GenerateRequest(prompt=PROMPT, duration_s=1.0, seed=1, steps=1))
    assert client.wait(job.job_id, 120).state == pb.JOB_STATE_SUCCEEDED
    served.store.sweep(time.time() + 10 * 86400 - 1, lease_s=20, max_attempts=2, record_ttl_s=1e9)
    with pytest.raises(grpc.RpcError) as caught:
        client.submit(edit_request(pb.Edit(kind=pb.EDIT_KIND_RETAKE, source_job_id=job.job_id)))
    assert field_of(caught.value) == "edit.source_job_id" and "expired" in caught.value.details()
    assert client.capabilities().max_extended_duration_s == 60.0  # still serving
