"""API keys over real gRPC (embedded server): hashed keys from a file and the environment,
UNAUTHENTICATED / PERMISSION_DENIED / NOT_FOUND, own jobs only, per-key quota."""

from __future__ import annotations

import grpc
import pytest
import yaml
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.jobs.auth import hash_key
from reelflow.services.jobs.settings import AuthSettings, JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread

PROMPT = "[0-1s] a red ball bouncing [1-2s] the ball rolls"


def request(steps: int = 2) -> pb.GenerateRequest:
    return pb.GenerateRequest(prompt=PROMPT, seed=1, steps=steps)


@pytest.fixture(scope="module")
def served(local_stages, tmp_path_factory):
    root = tmp_path_factory.mktemp("auth")
    keys = root / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {
                "keys": [
                    {"name": "alice", "sha256": hash_key("alice-secret"), "max_active_jobs": 2},
                    {"name": "viewer", "sha256": hash_key("viewer-secret"), "read_only": True},
                ]
            }
        )
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REELFLOW_TEST_KEYS", f"bob:{hash_key('bob-secret')}")
        auth = AuthSettings(enabled=True, keys_file=str(keys), keys_env="REELFLOW_TEST_KEYS")
        jobs = JobSettings(store_dir=str(root / "store"), workers=1)
        with ServerThread(local_stages, jobs, auth) as server:
            yield server
    assert "alice-secret" not in keys.read_text()


def code_of(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code()


@pytest.mark.parametrize("key", [None, "wrong-secret", ""])
def test_missing_or_wrong_key_is_unauthenticated(served, key):
    with JobClient(served.address, api_key=key) as client:
        assert code_of(client.capabilities) == grpc.StatusCode.UNAUTHENTICATED
        assert code_of(lambda: client.submit(request())) == grpc.StatusCode.UNAUTHENTICATED


def test_a_key_sees_and_cancels_only_its_own_jobs(served):
    with (
        JobClient(served.address, api_key="alice-secret") as alice,
        JobClient(served.address, api_key="bob-secret") as bob,
    ):
        job = alice.submit(request())
        assert code_of(lambda: bob.get(job.job_id)) == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: bob.cancel(job.job_id)) == grpc.StatusCode.NOT_FOUND
        assert code_of(lambda: bob.fetch(job.job_id)) == grpc.StatusCode.NOT_FOUND
        assert job.job_id not in {j.job_id for j in bob.list().jobs}
        assert alice.wait(job.job_id).state == pb.JOB_STATE_SUCCEEDED
        assert job.job_id in {j.job_id for j in alice.list().jobs}
        # The same request_id under another key is another job.
        assert alice.submit(request(), "same").job_id != bob.submit(request(), "same").job_id


def test_read_only_key_may_look_but_not_submit(served):
    with JobClient(served.address, api_key="viewer-secret") as viewer:
        assert viewer.capabilities().preset == "tiny"
        assert viewer.list().jobs == []
        assert code_of(lambda: viewer.submit(request())) == grpc.StatusCode.PERMISSION_DENIED


def test_per_key_quota_is_resource_exhausted_with_quota_failure(served):
    with JobClient(served.address, api_key="alice-secret") as alice:
        for job in alice.list(states=(pb.JOB_STATE_QUEUED, pb.JOB_STATE_RUNNING)).jobs:
            alice.wait(job.job_id)
        held = [alice.submit(request(steps=200)) for _ in range(2)]
        with pytest.raises(grpc.RpcError) as caught:
            alice.submit(request())
        error = caught.value
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        kinds = {d.type_url.rsplit(".", 1)[-1] for d in rpc_status.from_call(error).details}
        assert kinds == {"RetryInfo", "QuotaFailure"}
        failure = error_details_pb2.QuotaFailure()
        rpc_status.from_call(error).details[1].Unpack(failure)
        assert failure.violations[0].subject == "key:alice"
        for job in held:
            alice.cancel(job.job_id)
        assert alice.submit(request()).state == pb.JOB_STATE_QUEUED  # quota freed
