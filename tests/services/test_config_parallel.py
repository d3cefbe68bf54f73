"""`parallel: {ulysses, cfg}` per stage in the serving config: checked on load, with errors
that name the field, and turned into one placement group bundle per rank."""

from __future__ import annotations

import pytest

from reelflow.services.config import parse_config
from reelflow.services.hosts.ray.server import read_raw_config


def with_parallel(stage: str, parallel, **actor) -> dict:
    raw = read_raw_config(None)
    raw["deployments"][stage] = {**raw["deployments"][stage], "parallel": parallel}
    if actor:
        raw["deployments"][stage]["ray_actor_options"] = actor
    return raw


def test_a_parallel_stage_gets_one_bundle_per_rank_packed_on_one_node():
    raw = with_parallel("AudioStage", {"ulysses": 2, "cfg": 2}, num_cpus=1, num_gpus=1)
    options = parse_config(raw).deployment("AudioStage").serve_options()
    assert options["placement_group_bundles"] == [{"CPU": 1, "GPU": 1}] * 4
    assert options["placement_group_strategy"] == "STRICT_PACK"
    assert options["ray_actor_options"] == {"num_cpus": 1, "num_gpus": 1}  # rank 0 = bundle 0


def test_degree_one_is_the_plain_deployment():
    config = parse_config(read_raw_config(None))
    for name in ("SpatialStage", "TemporalStage", "AudioStage"):
        assert config.deployment(name).parallel.degree == 1
        assert "placement_group_bundles" not in config.deployment(name).serve_options()


@pytest.mark.parametrize(
    ("stage", "parallel", "message"),
    [
        ("TemporalStage", {"cfg": 3}, r"deployments\.TemporalStage\.parallel: .*cfg must be"),
        ("TemporalStage", {"ulysses": 0}, r"TemporalStage\.parallel: .*ulysses must be"),
        ("AudioStage", {"ulysses": "2"}, r"AudioStage\.parallel: .*ulysses must be an integer"),
        ("AudioStage", {"ring": 2}, r"AudioStage\.parallel: unknown keys \['ring'\]"),
        ("AudioStage", [2], r"AudioStage\.parallel must be a mapping"),
        ("Muxer", {"ulysses": 2}, r"deployments\.Muxer\.parallel: only SpatialStage"),
        # the tiny preset's branches have 4 heads: Ulysses-3 cannot split them
        ("SpatialStage", {"ulysses": 3}, r"SpatialStage\.parallel\.ulysses 3 does not divide .*4"),
    ],
)
def test_bad_parallel_settings_name_the_field(stage, parallel, message):
    with pytest.raises(ValueError, match=message):
        parse_config(with_parallel(stage, parallel))
