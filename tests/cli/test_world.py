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
