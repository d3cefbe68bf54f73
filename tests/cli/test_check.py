"""`reelflow check`: the plan as JSON and exit 0, or a caret diagnostic on stderr and exit 2."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from reelflow.cli import check
from tests.pipeline.reference_media import audio_bytes, image_bytes


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="reelflow")
    check.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["check", *argv])
    assert args.command == "check"
    code = check.run(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_plan(tmp_path, capsys):
    png, wav = tmp_path / "hero.png", tmp_path / "rain.wav"
    png.write_bytes(image_bytes())
    wav.write_bytes(audio_bytes(seconds=0.5))
    prompt = 'Night. [0-2s] @image1 (first_frame), close-up [2-3s] NARRATOR: "go" @audio1'
    code, out, err = run(
        [
            prompt,
            "--ref",
            f"image1={png}",
            "--ref",
            f"audio1={wav}",
            "--role",
            "audio1=ambient",
            "--duration",
            "3",
            "--fps",
            "4",
            "--size",
            "32x48",
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    plan = json.loads(out)
    assert (plan["duration_s"], plan["fps"], plan["width"], plan["height"]) == (3.0, 4, 32, 48)
    assert [(s["start_frame"], s["end_frame"]) for s in plan["shots"]] == [(0, 8), (8, 12)]
    assert plan["shots"][0]["camera"]["framing"] == "close-up"
    assert plan["shots"][1]["dialogue"] == [{"speaker": "NARRATOR", "text": "go"}]
    assert plan["references"] == [
        {
            "name": "image1",
            "kind": "image",
            "role": "first_frame",
            "shape": [48, 64, 3],
            "dtype": "uint8",
        },
        {"name": "audio1", "kind": "audio", "role": "ambient", "shape": [8000], "dtype": "float32"},
    ]


def test_script_error_prints_a_caret_and_exits_2(capsys):
    code, out, err = run(["[0-3s] a\n[4-6s] b"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        "error: prompt: gap from 3 s to 4 s: the previous shot ends at 3 s but shot [4-6s] "
        "starts at 4 s\n  line 2, column 1:\n  [4-6s] b\n  ^~~~~~\n"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["a", "--ref", "image1=/nonexistent/x.png"],
            "error: references[image1]: cannot read /nonexistent/x.png: "
            "No such file or directory\n",
        ),
        (["a", "--ref", "image1"], "error: references: 'image1' is not NAME=PATH\n"),
        (
            ["a", "--role", "image1=first_frame"],
            "error: references[image1]: a role is given for image1, which is not attached\n",
        ),
        (["a", "--size", "64"], "error: size: '64' is not WIDTHxHEIGHT, e.g. 64x64\n"),
        (
            ["a", "--size", "60x64"],
            "error: size: size is 60x64; width and height must be multiples of 8 from 32 to 1024\n",
        ),
        (["a", "--duration", "16"], "error: duration: duration is 16 s; the limit is 15 s\n"),
        (["a", "--fps", "31"], "error: fps: fps is 31; it must be a whole number from 1 to 30\n"),
    ],
)
def test_bad_arguments_exit_2(argv, expected, capsys):
    assert run(argv, capsys) == (2, "", expected)


def test_unreadable_and_mislabelled_files(tmp_path, capsys):
    folder = tmp_path / "dir"
    folder.mkdir()
    code, _, err = run(["a", "--ref", f"image1={folder}"], capsys)
    assert code == 2 and err.startswith("error: references[image1]: cannot read ")
    mp3 = tmp_path / "song.png"
    mp3.write_bytes(audio_bytes(seconds=0.2, container="mp3", codec="libmp3lame"))
    code, _, err = run(["@image1", "--ref", f"image1={mp3}"], capsys)
    assert (code, err) == (2, "error: references[image1]: is not an image (found audio, MP3)\n")


def test_prompt_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("[0-1s] a cat\n"))
    code, out, _ = run(["-"], capsys)
    assert code == 0 and json.loads(out)["shots"][0]["text"] == "a cat"
