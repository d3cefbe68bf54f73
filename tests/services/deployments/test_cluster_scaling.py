"""Independent scaling and a worker node lost mid-job, on a multi-node Ray cluster on this
machine: a head plus worker nodes whose custom resources stand in for node pools (CPU pool,
video-GPU pool, two audio nodes). Each stage is pinned to its pool by the one config file; one
stage is scaled without touching the others; a node is removed during a job. The job store is a
real PostgreSQL server, as a cluster's Orchestrator replicas share it."""

from __future__ import annotations

import shutil
import tempfile
import time

import psycopg
import pytest

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.hosts.ray import server
from reelflow.v1 import generation_pb2 as pb
from tests.services.deployments.test_serve_e2e import free_port
from tests.services.postgres import PostgresServer

pytestmark = pytest.mark.serve
POOLS = {
    "Orchestrator": "pool_cpu",
    "PromptEncoder": "pool_cpu",
    "Muxer": "pool_cpu",
    "SpatialStage": "pool_video",
    "TemporalStage": "pool_video",
    "AudioStage": "pool_audio",
}


def pooled_config(store_url: str) -> dict:
    raw = server.read_raw_config(None)
    raw |= {"checkpoint": "none", "http_port": free_port()}
    raw["jobs"] = raw["jobs"] | {
        "store_url": store_url,
        "stage_timeout_s": 20.0,
        "stage_retries": 6,
    }
    for name, pool in POOLS.items():
        options = raw["deployments"][name].setdefault("ray_actor_options", {})
        options["resources"] = {pool: 1}
    return raw


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    temp_dir = tempfile.mkdtemp(prefix="rfc-")  # short: Ray's socket paths live under it
    patch = pytest.MonkeyPatch()
    patch.setenv("RAY_AUTH_MODE", "disabled")
    # Ray records "the current cluster" under RAY_TMPDIR; a private one keeps other engineers'
    # plain ray.init() on this machine from finding (and joining) this test cluster.
    patch.setenv("RAY_TMPDIR", temp_dir)
    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 2,
            "resources": {"pool_cpu": 3},
            "include_dashboard": False,
            "temp_dir": f"{temp_dir}/ray",  # where Ray looks for the current cluster
        },
    )
    nodes = {
        "video": cluster.add_node(num_cpus=2, resources={"pool_video": 2}),
        "audio_a": cluster.add_node(num_cpus=1, resources={"pool_audio": 1}),
        "audio_b": cluster.add_node(num_cpus=1, resources={"pool_audio": 1}),
    }
    postgres = PostgresServer()
    try:
        yield cluster, nodes, postgres.url
    finally:
        server.stop()
        cluster.shutdown()
        postgres.stop()
        patch.undo()
        shutil.rmtree(temp_dir, ignore_errors=True)


def placement() -> dict[str, list[tuple[str, str]]]:
    """Deployment -> [(replica actor name, node id)] of live replicas."""
    from ray._private.state import state

    where: dict[str, list[tuple[str, str]]] = {}
    for actor in state.actor_table(None).values():
        name = actor.get("Name", "")
        if actor["State"] == "ALIVE" and name.startswith("SERVE_REPLICA::reelflow#"):
            deployment = name.split("#")[1]
            where.setdefault(deployment, []).append((name, actor["Address"]["NodeID"]))
    return where


def node_pools() -> dict[str, set[str]]:
    import ray

    return {
        node["NodeID"]: {r for r in node["Resources"] if r.startswith("pool_")}
        for node in ray.nodes()
        if node["Alive"]
    }


def wait_for(predicate, timeout_s=240.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if value := predicate():
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


@pytest.mark.xfail(
    strict=False,
    reason="open bug, seen 2026-12-07 on this 2-core machine at 001e597 and after: once the "
    "audio node is removed, the Muxer replica takes every decode_and_mux call and answers none "
    "within 20 s (7 tries, each CANCELLED at 20 s by the caller), so the job fails UNAVAILABLE",
)
def test_stages_pinned_to_pools_scaled_independently_and_a_node_lost_mid_job(cluster, capsys):
    ray_cluster, nodes, store_url = cluster
    raw = pooled_config(store_url)
    served = server.start(
        raw,
        address=ray_cluster.address,
        grpc_port=free_port(),
        proxy_location="HeadOnly",
        deploy=False,
    )
    raw["grpc_port"] = served.grpc_port
    server.apply_config(raw)  # declaratively, like KubeRay's serveConfigV2
    address = f"127.0.0.1:{served.grpc_port}"
    before = wait_for(lambda: (p := placement()) and len(p) == len(POOLS) and p)
    pools = node_pools()
    for deployment, replicas in before.items():
        assert all(POOLS[deployment] in pools[node] for _, node in replicas), deployment

    # Scale AudioStage alone: 1 -> 2 replicas, the other deployments keep their replicas.
    server.apply_config(raw, replicas={"AudioStage": 2})
    after = wait_for(lambda: len((p := placement()).get("AudioStage", [])) == 2 and p)
    assert {n for _, n in after["AudioStage"]} == {
        nodes["audio_a"].node_id,
        nodes["audio_b"].node_id,
    }
    for deployment in set(POOLS) - {"AudioStage"}:
        assert after[deployment] == before[deployment], f"{deployment} was touched"

    # Lose an audio node during a job: the step is retried on the other audio replica.
    with JobClient(address) as client:
        request = pb.GenerateRequest(prompt="a red ball bounces, a beep", seed=1, steps=30)
        job = client.submit(request)
        wait_for(lambda: client.get(job.job_id).progress.step >= 2, 120)
        lost = time.monotonic()
        ray_cluster.remove_node(nodes["audio_a"], allow_graceful=False)
        final = client.wait(job.job_id, timeout_s=300)
        recovered = time.monotonic() - lost
    assert final.state == pb.JOB_STATE_SUCCEEDED, final.failure_reason
    with psycopg.connect(store_url) as db:  # the record and the video are in PostgreSQL
        (kinds,) = db.execute(
            "SELECT array_agg(kind ORDER BY kind) FROM artifacts WHERE job_id = %s", (job.job_id,)
        ).fetchone()
    assert kinds == [".latents", ".mp4"]  # the loop state goes; latents stay for edits
    with capsys.disabled():
        print(f"\naudio worker node removed at step 2 of 30: job finished {recovered:.1f}s later")
