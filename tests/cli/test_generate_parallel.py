"""`reelflow generate --parallel 2`: embedded on two local ranks, the one-process clip (in
float32; in the preset's bfloat16 the shards round differently, see
tests/pipeline/parallel/test_precision.py)."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace

import numpy as np
import pytest

from reelflow.cli.main import main
from reelflow.pipeline.generation.mux import decode_mp4
from reelflow.pipeline.model.presets import PRESETS

ARGS = ["[0-1s] a red circle [1-2s] wide shot, a hum", "--steps", "2", "--seed", "3"]


def test_generate_on_two_local_ranks_gives_the_one_process_clip(tmp_path, capsys, monkeypatch):
    # the followers get the leader's preset (RankSpec), so both ranks compute in float32
    monkeypatch.setitem(PRESETS, "tiny", replace(PRESETS["tiny"], compute_dtype="float32"))
    one, two = tmp_path / "one.mp4", tmp_path / "two.mp4"
    assert main(["generate", *ARGS, "-o", str(one), "--checkpoint", "none"]) == 0
    code = main(["generate", *ARGS, "-o", str(two), "--checkpoint", "none", "--parallel", "2"])
    assert code == 0
    assert not multiprocessing.active_children()  # the follower rank was stopped and reaped
    a, b = decode_mp4(one.read_bytes()), decode_mp4(two.read_bytes())
    assert a.frames.shape == b.frames.shape
    diff = np.abs(a.frames.astype(int) - b.frames.astype(int))
    assert diff.mean() < 0.5 and diff.max() <= 8
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--parallel", "3"], "does not divide"),  # the tiny branches have 4 heads
        (["--parallel", "0"], "ulysses must be in"),
        (["--parallel", "2", "--server", "127.0.0.1:1"], "embedded runs"),
    ],
)
def test_bad_parallel_flags_are_input_errors(tmp_path, capsys, flags, message):
    code = main(["generate", *ARGS, "-o", str(tmp_path / "x.mp4"), *flags])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not multiprocessing.active_children()
