"""`reelflow generate --model ltx2 --model-path DIR`: an LTX-2 clip embedded, from a tiny
snapshot built here; bad input and a broken snapshot exit 2 naming what is wrong."""

from __future__ import annotations

import pytest

from reelflow.cli.main import main
from tests.conftest import assert_valid_mp4
from tests.pipeline.ltx2.tiny_snapshot import save_tiny_snapshot


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    return save_tiny_snapshot(tmp_path_factory.mktemp("ltx2") / "tiny-ltx2")


def ltx2(snapshot, out, *extra: str) -> int:
    return main(
        ["generate", "a red ball bounces", "--model", "ltx2", "--model-path", str(snapshot),
         "-o", str(out), "--size", "32x32", "--fps", "24", "--duration", "0.375", "--steps", "2",
         "--seed", "3", *extra]
    )  # fmt: skip


def test_an_ltx2_clip_is_an_h264_aac_mp4(snapshot, tmp_path, capsys):
    out = tmp_path / "ltx2.mp4"
    assert ltx2(snapshot, out) == 0
    assert_valid_mp4(out, seconds=9 / 24, fps=24, width=32, height=32, sample_rate=16000)
    assert "seed 3" in capsys.readouterr().out
    again = tmp_path / "again.mp4"
    assert ltx2(snapshot, again) == 0
    assert again.read_bytes() == out.read_bytes()  # seeded: the same clip


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (("--size", "33x32"), "size"),
        (("--steps", "500"), "steps"),
        (("--duration", "30"), "duration"),
        (("--server", "127.0.0.1:1"), "model"),
    ],
)
def test_bad_ltx2_input_exits_2_naming_the_field(snapshot, tmp_path, capsys, extra, field):
    assert ltx2(snapshot, tmp_path / "x.mp4", *extra) == 2
    assert field in capsys.readouterr().err


def test_a_broken_snapshot_exits_2_naming_the_file(snapshot, tmp_path, capsys):
    import shutil

    broken = shutil.copytree(snapshot, tmp_path / "broken")
    (broken / "vae" / "config.json").unlink()
    assert ltx2(broken, tmp_path / "x.mp4") == 2
    assert "vae/config.json: missing" in capsys.readouterr().err
