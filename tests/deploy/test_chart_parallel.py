"""The chart and multi-device replicas: a stage's `parallel` becomes one placement group
bundle per rank, STRICT_PACK (one node), and the render fails when no worker group's node has
the GPUs one such group needs."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from helm_python.errors import HelmError
from ray.serve.schema import ServeDeploySchema

from reelflow.services.config import parse_config
from tests.deploy.chart import by_kind, chart, render, validate_crd_object

POOL = {"replicas": 1, "minReplicas": 1, "maxReplicas": 1}
RAYFLOW = {"reelflow_rayflow": "4"}


def gpu_values(parallel: dict[str, int], node_gpus: int) -> dict[str, Any]:
    """TemporalStage on a pool of `node_gpus`-GPU nodes, one GPU per rank."""
    return {
        "serveConfig": {
            "preset": "720p",
            "deployments": {
                "TemporalStage": {
                    "ray_actor_options": {
                        "num_cpus": 2,
                        "num_gpus": 1,
                        "resources": {"reelflow_rayflow": 1},
                    },
                    "parallel": parallel,
                }
            },
        },
        "workerGroups": [
            {**POOL, "name": "cpu", "gpus": 0},
            {
                **POOL,
                "name": "rayflow",
                "gpus": node_gpus,
                "rayResources": {"reelflow_rayflow": "4"},
            },
            {
                **POOL,
                "name": "big-other",
                "gpus": 8,
            },  # more GPUs, but not the pool the stage asks for
        ],
    }


def deployment(objects: list[dict], name: str) -> dict[str, Any]:
    (service,) = by_kind(objects, "RayService")
    config = yaml.safe_load(service["spec"]["serveConfigV2"])
    ServeDeploySchema.model_validate(config)
    (app,) = config["applications"]
    (entry,) = (d for d in app["deployments"] if d["name"] == name)
    return app["args"], entry


def test_a_two_gpu_group_renders_as_two_bundles_on_one_node():
    objects = render(gpu_values({"ulysses": 2}, node_gpus=2))
    validate_crd_object(by_kind(objects, "RayService")[0], "rayservices")
    args, entry = deployment(objects, "TemporalStage")
    bundle = {"CPU": 2, "GPU": 1, "reelflow_rayflow": 1}
    assert entry["placement_group_bundles"] == [bundle, bundle]
    assert entry["placement_group_strategy"] == "STRICT_PACK"
    # the same options the code derives from the same serving config (reelflow serve)
    options = parse_config(args).deployment("TemporalStage").serve_options()
    assert {k: v for k, v in entry.items() if k != "name"} == options
    assert "placement_group_bundles" not in deployment(objects, "AudioStage")[1]


def test_cfg_and_ulysses_compose_into_the_group_size():
    objects = render(gpu_values({"ulysses": 2, "cfg": 2}, node_gpus=4))
    _, entry = deployment(objects, "TemporalStage")
    assert len(entry["placement_group_bundles"]) == 4


@pytest.mark.parametrize(
    ("parallel", "node_gpus"), [({"ulysses": 4}, 2), ({"ulysses": 2, "cfg": 2}, 3)]
)
def test_render_refuses_a_group_larger_than_any_node_of_its_pool(parallel, node_gpus):
    with pytest.raises(HelmError, match=r"TemporalStage.parallel: .* needs 4 GPUs on one node"):
        render(gpu_values(parallel, node_gpus))


@pytest.mark.parametrize(
    "deployments",
    [
        {"Muxer": {"parallel": {"ulysses": 2}}},  # only the branches run on several devices
        {"AudioStage": {"parallel": {"cfg": 3}}},
        {"AudioStage": {"parallel": {"ulysses": 0}}},
        {"AudioStage": {"parallel": {"ring": 2}}},
    ],
)
def test_values_schema_rejects_bad_parallel_settings(deployments):
    with pytest.raises(HelmError):
        chart().validate_schema({"serveConfig": {"deployments": deployments}})
