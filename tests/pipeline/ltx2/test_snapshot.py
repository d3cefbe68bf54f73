"""Loading an LTX-2 snapshot that a deployment can trust: an incomplete, pickled or mismatched
snapshot fails with a SnapshotError naming the file or component; a whole one loads in bf16."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from reelflow.pipeline.ltx2.snapshot import SnapshotError, check_snapshot, open_snapshot
from tests.pipeline.ltx2.tiny_snapshot import save_tiny_snapshot


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return save_tiny_snapshot(tmp_path_factory.mktemp("ltx2") / "snapshot")


@pytest.fixture
def snapshot(pristine, tmp_path):
    return shutil.copytree(pristine, tmp_path / "snapshot")


def test_a_whole_snapshot_loads_in_bfloat16_by_default(snapshot):
    pipe = open_snapshot(snapshot)
    assert pipe.transformer.dtype == torch.bfloat16 and pipe.vae.dtype == torch.bfloat16


def test_a_missing_weight_file_is_named(snapshot):
    (snapshot / "transformer" / "diffusion_pytorch_model.safetensors").unlink()
    with pytest.raises(SnapshotError, match=r"transformer: no \.safetensors weights"):
        open_snapshot(snapshot)


def test_pickled_weights_are_refused_not_loaded(snapshot):
    weights = snapshot / "vocoder" / "diffusion_pytorch_model.safetensors"
    weights.rename(weights.with_suffix(".bin"))
    with pytest.raises(
        SnapshotError, match=r"only diffusion_pytorch_model\.bin: pickle files are never loaded"
    ):
        open_snapshot(snapshot)


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        ("model_index.json", "model_index.json: missing"),
        ("vae/config.json", "vae/config.json: missing"),
        ("scheduler/scheduler_config.json", "scheduler_config.json: missing"),
        ("tokenizer/tokenizer_config.json", "tokenizer_config.json: missing"),
    ],
)
def test_a_missing_config_is_named(snapshot, remove, named):
    (snapshot / remove).unlink()
    with pytest.raises(SnapshotError, match=named):
        check_snapshot(snapshot)


def test_an_index_without_a_component_or_of_another_pipeline_is_refused(snapshot):
    index = json.loads((snapshot / "model_index.json").read_text())
    (snapshot / "model_index.json").write_text(json.dumps({**index, "vocoder": [None, None]}))
    with pytest.raises(SnapshotError, match="names no 'vocoder' component"):
        check_snapshot(snapshot)
    (snapshot / "model_index.json").write_text(json.dumps({**index, "_class_name": "FluxPipeline"}))
    with pytest.raises(SnapshotError, match="not LTX2Pipeline"):
        check_snapshot(snapshot)


def test_weights_that_do_not_fit_their_config_are_a_clear_error(snapshot):
    config_file = snapshot / "transformer" / "config.json"
    config = json.loads(config_file.read_text())
    config_file.write_text(json.dumps({**config, "num_layers": 3}))  # the file holds 2
    with pytest.raises(SnapshotError, match=r"transformer: weights do not fit .* 72 missing"):
        open_snapshot(snapshot)  # the library alone would fill layer 3 with random weights
    config_file.write_text(json.dumps({**config, "num_layers": 1}))  # ... and ignore layer 2
    with pytest.raises(SnapshotError, match=r"transformer: weights do not fit .* no place for"):
        open_snapshot(snapshot)


def test_a_cut_weight_file_is_a_clear_error(snapshot):
    weights = snapshot / "vae" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(SnapshotError, match="the snapshot does not load"):
        open_snapshot(snapshot)


def test_no_directory_and_a_bad_dtype_are_refused(tmp_path, snapshot):
    with pytest.raises(SnapshotError, match="no such snapshot directory"):
        open_snapshot(tmp_path / "absent")
    with pytest.raises(SnapshotError, match="dtype must be one of"):
        open_snapshot(snapshot, "int8")
