"""`reelflow world render` then `reelflow eval` on the same folder."""

from __future__ import annotations

import argparse
import json

from reelflow.cli import world


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    world.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_render_then_eval(tmp_path, capsys) -> None:
    out = tmp_path / "world"
    args = _parse(["world", "render", "--count", "3", "--seed", "1", "--out", str(out)])
    assert world.run(args) == 0
    assert sorted(p.name for p in out.glob("*.mp4") if "." not in p.stem) == [
        "0000.mp4",
        "0001.mp4",
        "0002.mp4",
    ]
    assert (out / "0000.json").exists() and (out / "0000.txt").exists()
    assert world.run(_parse(["eval", str(out)])) == 0
    report = json.loads((out / "scores.json").read_text())
    assert report["summary"]["clips"] == 3
    assert report["summary"]["colour"] == 1.0
    assert "summary" in capsys.readouterr().out


def test_eval_of_empty_folder_is_bad_input(tmp_path) -> None:
    assert world.run(_parse(["eval", str(tmp_path)])) == 2


def test_eval_sheet_writes_a_contact_sheet_per_clip_and_an_overview(tmp_path) -> None:
    import av

    from reelflow.pipeline.generation.mux import decode_mp4

    def decode_image(path):
        with av.open(str(path)) as container:
            return next(container.decode(video=0)).to_ndarray(format="rgb24")

    out = tmp_path / "world"
    assert (
        world.run(_parse(["world", "render", "--count", "2", "--fps", "8", "--out", str(out)])) == 0
    )
    assert world.run(_parse(["eval", str(out), "--quiet", "--sheet"])) == 0
    frames = decode_mp4(str(out / "0000.mp4")).frames
    sheet = decode_image(out / "0000.sheet.png")
    rows = -(-len(frames) // 8)
    assert sheet.shape == (rows * (2 * 64 + 2), 8 * (2 * 64 + 2), 3)
    # the first cell is the first frame, scaled 2x
    assert (sheet[:128:2, :128:2] == frames[0]).all()
    overview = decode_image(out / "overview.png")
    assert overview.shape == (2 * 66, 8 * 66, 3)
