"""The generic stage deployment, in process (no Ray started): the roles table agrees with the
serving config and the stage objects, and a replica's methods answer as the stage does."""

from __future__ import annotations

import asyncio
import inspect

import pytest
import torch

from reelflow.pipeline.generation.request import GenerationRequest, prepare
from reelflow.pipeline.generation.schedule import latent_shapes
from reelflow.pipeline.generation.stages import to_wire
from reelflow.pipeline.model.sampling import seeded_noise
from reelflow.services import metrics
from reelflow.services.config import FAMILY_STAGES, PARALLEL_STAGES, STAGE_NAMES, BatchSettings
from reelflow.services.deployments.roles import FAMILY_ROLES, ROLES
from reelflow.services.deployments.stage import StageDeployment
from reelflow.services.deployments.wire import cond_to_proto, tensor_from_proto, tensor_to_proto
from reelflow.v1 import stages_pb2

Replica = StageDeployment.func_or_class  # the class Serve instantiates in each replica


def test_roles_are_the_stage_deployments_of_each_family():
    assert set(FAMILY_ROLES) == set(FAMILY_STAGES)
    for family, roles in FAMILY_ROLES.items():
        assert tuple(roles) == tuple(n for n in FAMILY_STAGES[family] if n != "Orchestrator")
        assert set(roles) <= set(STAGE_NAMES)
        for name, role in roles.items():
            for method in role.methods:
                assert callable(getattr(role.stage, method.name)), (name, method.name)
                metrics.timed_stage(name, method.name)  # a valid metric label pair
                fields = method.request.DESCRIPTOR.fields_by_name
                params = inspect.signature(method.call).parameters
                assert len(params) == 2 and fields, (name, method.name)
    ranks = {name: role.ranks for name, role in ROLES.items() if role.ranks}
    assert ranks == PARALLEL_STAGES


@pytest.fixture(scope="module")
def audio_call(tiny, local_stages):
    prepared = prepare(GenerationRequest("[0-1s] a red ball bouncing, a thud", seed=3), tiny)
    cond = local_stages.encoder.encode(prepared.plan)
    video, audio = latent_shapes(prepared.plan, tiny)
    xv, xa = to_wire(seeded_noise(video, 3, 0)), to_wire(seeded_noise(audio, 3, 1))
    request = stages_pb2.AudioVelocityRequest(
        xa=tensor_to_proto(xa), xv=tensor_to_proto(xv), t=0.6, cond=cond_to_proto(cond)
    )
    return request, (xa, xv, 0.6, cond, 0.0, 0)


def test_a_replica_has_its_roles_methods_and_batches_the_velocity(audio_call, monkeypatch):
    from ray.serve import batching

    # outside a replica there is no deployment config for this check to read
    monkeypatch.setattr(
        batching._BatchQueue, "_warn_if_max_batch_size_exceeds_max_ongoing_requests", lambda _: None
    )
    replica = Replica("AudioStage", "tiny", "none", BatchSettings(max_batch_size=4))
    assert replica.ranks is None and hasattr(replica, "velocity")
    assert not hasattr(replica, "keyframes") and not hasattr(replica, "decode_and_mux")
    replica.check_health()  # degree 1: nothing to check
    request, args = audio_call

    async def two_jobs():
        data = request.SerializeToString()
        return await asyncio.gather(replica.velocity(data), replica.velocity(data))

    replies = asyncio.run(two_jobs())
    assert replica.batcher.last_forwards == [2]  # the two calls were one forward pass
    alone = replica.stage.velocity(*args)
    for reply in replies:
        v = tensor_from_proto(stages_pb2.TensorResponse.FromString(reply).tensor)
        torch.testing.assert_close(v.float(), alone.float(), atol=2e-3, rtol=2e-3)


def test_an_unbatched_method_is_a_plain_call_of_the_stage(tiny):
    replica = Replica("Muxer", "tiny", "none")
    assert replica.batcher is None and not inspect.iscoroutinefunction(replica.preview)
    x0 = torch.zeros(tiny.video_codec.latent_shape(2, 64, 64))
    reply = replica.preview(stages_pb2.PreviewRequest(x0=tensor_to_proto(x0)).SerializeToString())
    assert stages_pb2.PreviewResponse.FromString(reply).jpeg == replica.stage.preview(x0)


def test_an_ltx2_muxer_replica_loads_its_networks_only_and_answers_previews(tmp_path):
    from reelflow.pipeline.ltx2.stages import LTX2Stages
    from reelflow.services.config import ModelConfig
    from reelflow.services.deployments.ltx2_wire import grid_to_proto
    from reelflow.v1 import ltx2_stages_pb2
    from tests.pipeline.ltx2.tiny_snapshot import save_tiny_snapshot

    snapshot = save_tiny_snapshot(tmp_path / "tiny-ltx2")
    model = ModelConfig(family="ltx2", path=str(snapshot), dtype="float32")
    replica = Replica("Muxer", "tiny", "", model=model)
    pipe = replica.stage.pipe
    assert {n: getattr(pipe, n).device.type for n in ("vae", "transformer", "text_encoder")} == {
        "vae": "cpu",
        "transformer": "meta",
        "text_encoder": "meta",
    }
    assert not hasattr(replica, "velocity") and hasattr(replica, "decode_mp4")
    grid = LTX2Stages(pipe).grid(32, 32, 9, 24.0)
    x0 = torch.randn(1, grid.video_tokens, 4)
    request = ltx2_stages_pb2.LTX2PreviewRequest(x0=tensor_to_proto(x0), grid=grid_to_proto(grid))
    jpeg = stages_pb2.PreviewResponse.FromString(replica.preview(request.SerializeToString())).jpeg
    assert jpeg.startswith(b"\xff\xd8") and jpeg == replica.stage.preview(x0, grid)
