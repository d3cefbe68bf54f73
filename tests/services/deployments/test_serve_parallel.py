"""A stage replica that owns two ranks on a real local Ray Serve: TemporalStage at
`ulysses: 2`, then at `cfg: 2` (redeployed in place), each giving the one-device clip; then one
of its ranks is killed mid-job, Serve replaces the replica's whole group and the job finishes."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time

import numpy as np
import pytest

from reelflow.lab.toyworld.evaluate import evaluate_mp4
from reelflow.lab.toyworld.spec import ClipSpec, ShotSpec
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.pipeline.generation.embedded import LocalStages
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.model.weights import DEFAULT_CHECKPOINT
from reelflow.services.api.grpc.client import JobClient, generate_remote
from reelflow.services.deployments.ranks import ACTOR_PREFIX
from reelflow.services.hosts.ray import server
from reelflow.v1 import generation_pb2 as pb
from tests.services.deployments.test_serve_e2e import free_port
from tests.services.deployments.test_serve_jobs import replica_actors, wait_for

pytestmark = pytest.mark.serve
SPEC = ClipSpec(
    subject="circle",
    colour="red",
    action="bounce",
    audio="beep",
    shots=(ShotSpec(0, 2, framing="close-up"),),
    seed=1,
    fps=8,
)
REQUEST = GenerationRequest(prompt_text(SPEC), duration_s=2.0, fps=8, seed=2, steps=4)
# evaluator categories must match exactly; measured numbers within this
CATEGORIES = ("colour", "shape", "motion", "framing", "cut_frames", "audio")


def raw_config(parallel: dict) -> dict:
    raw = server.read_raw_config(None)
    raw["checkpoint"] = ""  # the shipped checkpoint: the evaluator has something to read
    temporal = raw["deployments"]["TemporalStage"]
    # two ranks of 0.2 CPU: the whole app still fits this machine's 2 CPUs
    temporal["ray_actor_options"] = {**temporal["ray_actor_options"], "num_cpus": 0.2}
    temporal["parallel"] = parallel
    return raw


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    ray_dir = tempfile.mkdtemp(prefix="rf-serve-par-")
    patch.setenv("REELFLOW_RAY_TMPDIR", ray_dir)
    raw = raw_config({"ulysses": 2})
    raw["jobs"] = {
        **raw["jobs"],
        "store_dir": str(tmp_path_factory.mktemp("par-store")),
        "lease_s": 3.0,
        "checkpoint_s": 0.5,
        "stage_timeout_s": 30.0,
        "stage_retries": 12,  # outlasts a replica replacement (health check + start-up), loaded
    }
    raw["http_port"] = free_port()
    config = server.start(raw, grpc_port=free_port())
    try:
        yield raw, f"127.0.0.1:{config.grpc_port}"
    finally:
        server.stop()
        patch.undo()
        shutil.rmtree(ray_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def single_device(tiny):
    stages = LocalStages(tiny, DEFAULT_CHECKPOINT)
    prepared = prepare(REQUEST, tiny)
    return asyncio.run(generate(prepared.plan, prepared.options, stages, tiny)).mp4


def rank_actors() -> list:
    import ray

    found = [
        (a["name"], a["namespace"])
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a["name"].startswith(ACTOR_PREFIX)
    ]
    return [(name, ray.get_actor(name, namespace=space)) for name, space in sorted(found)]


def assert_same_clip(mp4: bytes, reference: bytes) -> None:
    got, want = decode_mp4(mp4), decode_mp4(reference)
    assert got.frames.shape == want.frames.shape
    diff = np.abs(got.frames.astype(int) - want.frames.astype(int))
    print(f"\nclip vs one device: mean |diff| {diff.mean():.3f}, max {diff.max()} (of 255)")
    # the latents agree to float rounding; H.264 re-encodes them, the trained weights amplify
    # last-bit differences over the steps a little: ~0.5 levels on average, a few pixels of
    # a moving edge by up to ~20 (measured 16 and 20 on two checkpoints)
    assert diff.mean() < 1.0 and diff.max() <= 32
    # AAC re-quantises too: compare the waveforms' energy of difference, not sample by sample
    relative = np.linalg.norm(got.audio - want.audio) / np.linalg.norm(want.audio)
    print(f"audio vs one device: relative RMS difference {relative:.4f}")
    assert relative < 0.05
    scores, reference_scores = evaluate_mp4(mp4, SPEC), evaluate_mp4(reference, SPEC)
    for field in CATEGORIES:
        assert getattr(scores, field) == getattr(reference_scores, field), field
    assert scores.flicker == pytest.approx(reference_scores.flicker, rel=0.05, abs=1e-3)


def test_ulysses_2_replica_gives_the_one_device_clip(served, single_device, capsys):
    import ray

    _, address = served
    ((_, follower),) = rank_actors()  # one follower: rank 1
    ping = ray.get(follower.ping.remote())
    assert ping["rank"] == 1 and ping["reelflow"].startswith(str(DEFAULT_CHECKPOINT.parents[2]))
    reply = generate_remote(address, REQUEST, timeout_s=300)
    with capsys.disabled():
        assert_same_clip(reply.result.mp4, single_device)


def test_cfg_2_replica_gives_the_one_device_clip(served, single_device, capsys):
    raw, address = served
    before = {name for name, _ in rank_actors()}
    server.apply_config({**raw, **raw_config({"cfg": 2})} | {"jobs": raw["jobs"]})
    wait_for(lambda: (names := {n for n, _ in rank_actors()}) and not names & before, 180)
    reply = generate_remote(address, REQUEST, timeout_s=300)
    with capsys.disabled():
        assert_same_clip(reply.result.mp4, single_device)


def test_killing_a_rank_mid_job_replaces_the_replica_and_the_job_finishes(served, capsys):
    import ray

    _, address = served
    (replica,) = replica_actors("TemporalStage")
    replica_id = replica._actor_id
    ((_, follower),) = rank_actors()
    with JobClient(address) as client:
        job = client.submit(pb.GenerateRequest(prompt=REQUEST.prompt, seed=5, steps=30))
        wait_for(lambda: client.get(job.job_id).progress.step >= 3, 120)
        killed_at = client.get(job.job_id).progress.step
        began = time.monotonic()
        ray.kill(follower, no_restart=True)
        final = client.wait(job.job_id, timeout_s=300)
    assert final.state == pb.JOB_STATE_SUCCEEDED, final.failure_reason
    (new_replica,) = replica_actors("TemporalStage")
    assert new_replica._actor_id != replica_id  # Serve replaced the replica, not just a rank
    assert len(rank_actors()) == 1  # and the replacement leads a fresh follower
    with capsys.disabled():
        print(
            f"\nrank 1 of TemporalStage killed at step {killed_at} of 30: replica replaced,"
            f" job SUCCEEDED {time.monotonic() - began:.1f}s later (attempts {final.attempts})"
        )
