"""Webhooks end to end on the embedded server: a loopback receiver verifies every signature
with the real `standardwebhooks` verifier; every state change arrives once, in order, also when
the receiver fails the first attempts or the server restarts before delivering; callback URLs
outside the allow-list are refused on HTTP and gRPC."""

from __future__ import annotations

import time
from dataclasses import replace

import grpc
import openai
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.jobs.settings import JobSettings, WebhookSettings
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread
from tests.services.http.openai_server import PROMPT, sdk
from tests.services.http.receiver import SECRET, Receiver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
QUICK = {"seed": 3, "num_inference_steps": 2}
FAST_RETRIES = WebhookSettings(
    allowed_hosts=("127.0.0.1",), backoff_s=0.05, max_backoff_s=0.2, poll_s=0.05, timeout_s=5
)


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("REELFLOW_WEBHOOK_SECRET", SECRET)


def delivered(server: ServerThread, job_id: str, timeout_s: float = 10.0) -> list[dict]:
    """The job's outbox rows once each is marked delivered (just after the receiver's 2xx)."""
    outbox = server.server.service.runner.webhooks.outbox
    end = time.monotonic() + timeout_s
    while True:
        events = outbox.events(job_id)
        if all(e["delivered_at"] for e in events):
            return events
        assert time.monotonic() < end, events
        time.sleep(0.02)


def serve(stages, root, webhooks=FAST_RETRIES) -> ServerThread:
    jobs = JobSettings(store_dir=str(root), workers=1)
    return ServerThread(stages, jobs, http=True, webhooks=webhooks)


def test_every_state_change_arrives_signed_once_in_order(local_stages, tmp_path):
    with Receiver() as receiver, serve(local_stages, tmp_path) as server:
        client = sdk(server.http_url)
        video = client.videos.create(
            prompt=PROMPT, extra_body=QUICK | {"callback_url": receiver.url}
        )
        states = receiver.wait_for_state(video.id, "SUCCEEDED")
        assert states == ["QUEUED", "RUNNING", "SUCCEEDED"]
        payloads = [p for _, p in receiver.accepted]
        assert [p["type"] for p in payloads] == [
            "video.queued",
            "video.in_progress",
            "video.completed",
        ]
        assert all(p["data"]["id"] == video.id and p["data"]["object"] == "video" for p in payloads)
        assert receiver.bad_signatures == 0 and set(receiver.attempts.values()) == {1}
        # gRPC jobs take a callback_url too; a cancellation says so in error.code
        with JobClient(server.address) as grpc_client:
            job = grpc_client.submit(
                pb.GenerateRequest(prompt=PROMPT, steps=200, callback_url=receiver.url)
            )
            receiver.wait_for_state(job.job_id, "RUNNING")
            assert client.videos.delete(job.job_id).deleted
        receiver.wait_for_state(job.job_id, "CANCELLED")
        cancelled = [p for _, p in receiver.accepted if p["data"]["job_state"] == "CANCELLED"]
        assert cancelled[0]["data"]["error"]["code"] == "cancelled"
        assert cancelled[0]["type"] == "video.failed"


def test_a_receiver_failing_twice_still_gets_each_event_once(local_stages, tmp_path):
    with Receiver(fail_first=2) as receiver, serve(local_stages, tmp_path) as server:
        video = sdk(server.http_url).videos.create(
            prompt=PROMPT, extra_body=QUICK | {"callback_url": receiver.url}
        )
        assert receiver.wait_for_state(video.id, "SUCCEEDED") == ["QUEUED", "RUNNING", "SUCCEEDED"]
        assert sorted(receiver.attempts.values()) == [3, 3, 3]  # two failures, one success each
        events = delivered(server, video.id)
        assert [e["attempts"] for e in events] == [3, 3, 3]
        assert not any(e["dead"] for e in events)


def test_a_receiver_that_times_out_is_tried_again(local_stages, tmp_path):
    hurried = WebhookSettings(
        allowed_hosts=("127.0.0.1",), backoff_s=0.05, max_backoff_s=0.2, poll_s=0.05, timeout_s=0.5
    )
    with Receiver(stall_first_s=1.5) as receiver, serve(local_stages, tmp_path, hurried) as server:
        video = sdk(server.http_url).videos.create(
            prompt=PROMPT, extra_body=QUICK | {"callback_url": receiver.url}
        )
        receiver.wait_for_state(video.id, "SUCCEEDED")
        events = delivered(server, video.id)
        assert [e["attempts"] for e in events] == [2, 2, 2]  # the time-out, then the 2xx
        assert receiver.states(video.id) == ["QUEUED", "RUNNING", "SUCCEEDED"]


def test_a_restart_between_an_event_and_its_delivery_still_delivers_it(local_stages, tmp_path):
    # retried without end while the receiver is down: with FAST_RETRIES' 10 attempts (~1.6 s)
    # the first events would be given up before a slow machine finished the job
    patient = replace(FAST_RETRIES, max_attempts=10**6)
    with Receiver(fail_first=10**6) as receiver:
        with serve(local_stages, tmp_path, patient) as first:
            video = sdk(first.http_url).videos.create(
                prompt=PROMPT, extra_body=QUICK | {"callback_url": receiver.url}
            )
            sdk(first.http_url).videos.poll(video.id, poll_interval_ms=50)
            outbox = first.server.service.runner.webhooks.outbox
            assert [e["delivered_at"] for e in outbox.events(video.id)] == [None] * 3
        receiver.fail_first = 0  # the receiver is back; so is the server, on the same store
        with serve(local_stages, tmp_path, patient) as second:
            states = receiver.wait_for_state(video.id, "SUCCEEDED")
            assert states == ["QUEUED", "RUNNING", "SUCCEEDED"]
            delivered(second, video.id)
            assert second.server.service.runner.webhooks.delivered == 3  # the new server sent them
        assert receiver.bad_signatures == 0


def test_callback_urls_outside_the_allow_list_are_refused(local_stages, tmp_path):
    with serve(local_stages, tmp_path) as server:
        client = sdk(server.http_url)
        for url in (
            "http://169.254.169.254/latest/meta-data",
            "file:///etc/passwd",
            "http://u:p@127.0.0.1/",
        ):
            with pytest.raises(openai.BadRequestError) as caught:
                client.videos.create(prompt=PROMPT, extra_body={"callback_url": url})
            assert caught.value.body["param"] == "callback_url", url
        with JobClient(server.address) as grpc_client, pytest.raises(grpc.RpcError) as caught:
            grpc_client.submit(
                pb.GenerateRequest(prompt=PROMPT, callback_url="http://example.com/")
            )
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        bad = error_details_pb2.BadRequest()
        assert rpc_status.from_call(caught.value).details[0].Unpack(bad)
        assert bad.field_violations[0].field == "callback_url"
        assert "allow-list" in bad.field_violations[0].description
    with serve(local_stages, tmp_path / "off", webhooks=WebhookSettings()) as server:
        with pytest.raises(openai.BadRequestError) as caught:  # nothing allowed by default
            sdk(server.http_url).videos.create(
                prompt=PROMPT, extra_body={"callback_url": "http://127.0.0.1:9/"}
            )
        assert caught.value.body["param"] == "callback_url"
