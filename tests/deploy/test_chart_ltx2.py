"""The chart serving LTX-2 (serveConfig.model.family ltx2): only its stages are deployed, its
weights come from a read-only claim (or the image), and values that could not work are refused
naming the value. deploy/helm/examples/ltx2-gpu.yaml is one of the value sets every test in
test_chart.py and test_hardening.py runs on (helm lint, the KubeRay CRD and Kubernetes schemas,
Ray's ServeDeploySchema, the restricted Pod Security Standard); here are the LTX-2 specifics."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml
from helm_python.errors import HelmError

from reelflow.services.config import FAMILY_STAGES, STAGE_NAMES, parse_config
from tests.deploy.chart import EXAMPLES, by_kind, chart, notes, render

EXAMPLE = yaml.safe_load((EXAMPLES / "ltx2-gpu.yaml").read_text())
LTX2 = {"model": {"family": "ltx2", "path": "/models/LTX-2"}}
PVC = {"source": "pvc", "mountPath": "/models/LTX-2", "pvc": {"claimName": "weights"}}


def cluster(objects: list[dict]) -> dict[str, Any]:
    (service,) = by_kind(objects, "RayService")
    return service["spec"]["rayClusterConfig"]


def application(objects: list[dict]) -> dict[str, Any]:
    (service,) = by_kind(objects, "RayService")
    (app,) = yaml.safe_load(service["spec"]["serveConfigV2"])["applications"]
    return app


def weights_mounts(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """The pod's mounts of the model weights claim, each checked to be the claim's volume."""
    spec = pod["spec"]
    (container,) = spec["containers"]
    mounts = [m for m in container.get("volumeMounts", []) if m["name"] == "model-weights"]
    volumes = [v for v in spec.get("volumes", []) if v["name"] == "model-weights"]
    assert len(volumes) == len(mounts) <= 1
    for volume in volumes:
        assert volume["persistentVolumeClaim"]["readOnly"] is True
    return mounts


def test_the_example_deploys_the_ltx2_stages_with_args_the_code_accepts():
    app = application(render(EXAMPLE))
    names = [d["name"] for d in app["deployments"]]
    assert names == ["Orchestrator", "PromptEncoder", "JointStage", "Muxer"]
    assert names == [n for n in STAGE_NAMES if n in FAMILY_STAGES["ltx2"]]
    parsed = parse_config(app["args"])
    assert parsed.model.family == "ltx2" and parsed.model.path == "/models/LTX-2"
    assert parsed.stages == FAMILY_STAGES["ltx2"]
    for entry in app["deployments"]:
        options = parsed.deployment(entry["name"]).serve_options()
        assert {k: v for k, v in entry.items() if k != "name"} == options
    # the args stay the whole serveConfig: other families' settings too, undeployed
    assert "SpatialStage" in app["args"]["deployments"]
    assert app["args"]["jobs"]["stage_timeout_s"] > 120


def test_the_example_puts_each_gpu_stage_on_its_own_pool_with_room_for_every_replica():
    values = chart().merge_values(EXAMPLE)
    groups = values["workerGroups"]
    pools = {}
    for stage in ("PromptEncoder", "JointStage", "Muxer"):
        settings = values["serveConfig"]["deployments"][stage]
        options = settings["ray_actor_options"]
        assert options["num_gpus"] == 1, stage
        (resource,) = options["resources"]
        (group,) = [g for g in groups if resource in g.get("rayResources", {})]
        assert group["gpus"] >= 1 and group["tolerations"], stage
        replicas = settings.get("num_replicas") or settings["autoscaling_config"]["max_replicas"]
        # one replica per pod, every replica a pod: the pool grows as far as the stage does
        assert float(group["rayResources"][resource]) == options["resources"][resource] == 1
        assert group["maxReplicas"] >= replicas, stage
        pools[stage] = group["nodeSelector"]["cloud.google.com/gke-accelerator"]
    assert len(set(pools.values())) == 3  # three GPU sizes: 40 GB, 80 GB, 24 GB
    orchestrator = values["serveConfig"]["deployments"]["Orchestrator"]["ray_actor_options"]
    assert "num_gpus" not in orchestrator


def test_the_example_mounts_the_claim_read_only_on_the_head_and_every_group():
    objects = render(EXAMPLE)
    spec = cluster(objects)
    pods = [spec["headGroupSpec"]["template"]] + [g["template"] for g in spec["workerGroupSpecs"]]
    assert len(pods) == 5
    for pod in pods:
        (mount,) = weights_mounts(pod)
        assert mount == {
            "name": "model-weights",
            "mountPath": "/models/LTX-2",
            "readOnly": True,
            "subPath": "ltx-2",
        }
        (volume,) = [v for v in pod["spec"]["volumes"] if v["name"] == "model-weights"]
        assert volume["persistentVolumeClaim"]["claimName"] == "ltx2-weights"
    assert by_kind(objects, "PersistentVolumeClaim") == []  # an existing claim, never made


def test_only_groups_that_ask_mount_the_claim():
    values = copy.deepcopy(EXAMPLE)
    values["workerGroups"][3]["mountModelWeights"] = False  # decoder
    del values["workerGroups"][1]["mountModelWeights"]  # text-encoder: absent means true
    spec = cluster(render(values))
    groups = {g["groupName"]: g["template"] for g in spec["workerGroupSpecs"]}
    assert [m["readOnly"] for m in weights_mounts(spec["headGroupSpec"]["template"])] == [True]
    assert {name: len(weights_mounts(pod)) for name, pod in groups.items()} == {
        "cpu": 1,
        "text-encoder": 1,
        "transformer": 1,
        "decoder": 0,
    }
    # a group with neither volume has no volumes at all (the job store is PostgreSQL here)
    assert "volumes" not in groups["decoder"]["spec"]


@pytest.mark.parametrize("source", ["image", "none"])
def test_no_claim_is_mounted_without_source_pvc(source):
    values = {"modelWeights": {"source": source}}
    if source == "image":
        values["serveConfig"] = LTX2
    spec = cluster(render(values))
    pods = [spec["headGroupSpec"]["template"]] + [g["template"] for g in spec["workerGroupSpecs"]]
    assert [weights_mounts(pod) for pod in pods] == [[] for _ in pods]
    assert application(render(values))["args"]["model"]["family"] == (
        "ltx2" if source == "image" else "reelflow-tiny"
    )


@pytest.mark.parametrize("path", ["/models/LTX-2", "/models/LTX-2/", "/models/LTX-2/snap/v1"])
def test_a_path_under_the_mount_renders(path):
    values = {"serveConfig": {"model": {"family": "ltx2", "path": path}}, "modelWeights": PVC}
    assert application(render(values))["args"]["model"]["path"] == path


def test_placement_is_checked_for_the_served_stages_only():
    missing = {"ray_actor_options": {"num_gpus": 1, "resources": {"nowhere": 1}}}
    ltx2 = {**LTX2, "deployments": {"SpatialStage": missing}}
    # SpatialStage is not deployed for ltx2: its settings can't strand a replica
    render({"serveConfig": ltx2, "modelWeights": {"source": "image"}})
    ltx2 = {**LTX2, "deployments": {"JointStage": missing}}
    with pytest.raises(HelmError, match=r"deployments\.JointStage asks for resource \"nowhere\""):
        render({"serveConfig": ltx2, "modelWeights": {"source": "image"}})


def test_notes_name_a_stage_the_family_has():
    assert "cluster scale JointStage" in notes(EXAMPLE)
    assert "cluster scale TemporalStage" in notes({})


SCHEMA_REFUSALS = {
    "ltx2 without path": (
        {"serveConfig": {"model": {"family": "ltx2"}}, "modelWeights": {"source": "image"}},
        r"/serveConfig/model/path'?: minLength",
    ),
    "ltx2 with weights from nowhere": (
        {"serveConfig": LTX2},
        r"/modelWeights/source'?: value must be one of 'pvc', 'image'",
    ),
    "parallel on JointStage": (
        {"serveConfig": {"deployments": {"JointStage": {"parallel": {"ulysses": 2}}}}},
        r"/serveConfig/deployments/JointStage'?: additional properties 'parallel'",
    ),
    "unknown family": (
        {"serveConfig": {"model": {"family": "ltx3"}}},
        r"/serveConfig/model/family",
    ),
    "unknown dtype": ({"serveConfig": {"model": {"dtype": "int8"}}}, r"/serveConfig/model/dtype"),
    "ltx2 without JointStage": (
        {
            "serveConfig": {**LTX2, "deployments": {"JointStage": None}},
            "modelWeights": {"source": "image"},
        },
        r"/serveConfig/deployments'?: missing property 'JointStage'",
    ),
    "pvc without a claim": ({"modelWeights": {"source": "pvc"}}, r"/modelWeights/pvc/claimName"),
    "absolute subPath": (
        {"modelWeights": {**PVC, "pvc": {"claimName": "weights", "subPath": "/etc"}}},
        r"/modelWeights/pvc/subPath",
    ),
    "unknown source": ({"modelWeights": {"source": "s3"}}, r"/modelWeights/source"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_REFUSALS))
def test_values_schema_refuses_naming_the_value(case):
    values, message = SCHEMA_REFUSALS[case]
    with pytest.raises(HelmError, match=message):
        chart().validate_schema(values)
    with pytest.raises(HelmError, match=message):
        render(values)


def test_each_family_requires_only_its_own_stages():
    chart().validate_schema({"serveConfig": {"deployments": {"JointStage": None}}})
    chart().validate_schema(
        {
            "serveConfig": {**LTX2, "deployments": {"SpatialStage": None}},
            "modelWeights": {"source": "image"},
        }
    )
    with pytest.raises(HelmError, match="missing property 'SpatialStage'"):
        chart().validate_schema({"serveConfig": {"deployments": {"SpatialStage": None}}})


@pytest.mark.parametrize("path", ["/data/LTX-2", "/models/LTX-2b", "/models/LTX-2/../secrets"])
def test_render_refuses_a_path_outside_the_mount(path):
    values = {"serveConfig": {"model": {"family": "ltx2", "path": path}}, "modelWeights": PVC}
    chart().validate_schema(values)  # the schema can't compare two values: the template does
    with pytest.raises(
        HelmError,
        match=rf'serveConfig.model.path "{re.escape(path)}" is not under modelWeights.mountPath '
        r'"/models/LTX-2", where modelWeights.pvc.claimName "weights" is mounted',
    ):
        render(values)
