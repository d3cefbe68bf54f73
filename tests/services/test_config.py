import pytest
import yaml

from reelflow.services.config import DEFAULT_CONFIG, STAGE_NAMES, load_config, parse_config


def raw():
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


def test_default_config_lists_every_stage_with_serve_options():
    config = load_config()
    assert {d.name for d in config.deployments} == set(STAGE_NAMES)
    options = config.deployment("TemporalStage").serve_options()
    assert options["num_replicas"] >= 1 and options["max_ongoing_requests"] >= 1
    assert "num_cpus" in options["ray_actor_options"]


def test_autoscaling_replaces_a_fixed_replica_count():
    data = raw()
    data["deployments"]["SpatialStage"] = {
        "autoscaling_config": {"min_replicas": 1, "max_replicas": 4},
        "max_ongoing_requests": 2,
    }
    options = parse_config(data).deployment("SpatialStage").serve_options()
    assert "num_replicas" not in options and options["autoscaling_config"]["max_replicas"] == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["deployments"]["Muxer"].update(num_replicas=-1), "num_replicas"),
        (lambda d: d["deployments"]["Muxer"].update(num_replicas="2"), "num_replicas"),
        (lambda d: d["deployments"]["Muxer"]["ray_actor_options"].update(num_gpus="1"), "num_gpus"),
        (lambda d: d["deployments"].update(Upscaler={"num_replicas": 1}), "unknown stage"),
        (lambda d: d["deployments"].pop("AudioStage"), "AudioStage"),
        (lambda d: d.update(preset="8k"), "unknown preset"),
        (lambda d: d.update(colour="red"), "unknown config keys"),
        (
            lambda d: d["deployments"]["Muxer"].update(max_ongoing_requests=0),
            "max_ongoing_requests",
        ),
        (
            lambda d: d["deployments"]["Muxer"].update(
                autoscaling_config={"min_replicas": 3, "max_replicas": 1}
            ),
            "exactly one",
        ),
    ],
)
def test_bad_configs_are_rejected_with_the_reason(change, message):
    data = raw()
    change(data)
    with pytest.raises(ValueError, match=message):
        parse_config(data)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("SpatialDiT", "SpatialStage"),
        ("TemporalRayFlow", "TemporalStage"),
        ("AudioGen", "AudioStage"),
    ],
)
def test_an_old_deployment_name_is_refused_with_its_new_name(old, new):
    data = raw()
    data["deployments"][old] = data["deployments"].pop(new)
    data["deployments"][old]["parallel"] = {"ulysses": 2}  # the name is checked first
    with pytest.raises(ValueError, match=rf"deployments\.{old}: .* is now called {new}\b"):
        parse_config(data)


def test_each_family_needs_only_its_own_stages():
    data = raw()
    data["model"] = {"family": "ltx2", "path": "/models/LTX-2"}
    for stage in ("SpatialStage", "TemporalStage", "AudioStage"):
        data["deployments"].pop(stage)
    assert parse_config(data).stages == ("Orchestrator", "PromptEncoder", "JointStage", "Muxer")
    data["deployments"].pop("JointStage")
    with pytest.raises(ValueError, match=r"model\.family ltx2.*JointStage"):
        parse_config(data)
