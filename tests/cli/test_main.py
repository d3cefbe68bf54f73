import pytest

from reelflow.cli.main import build_parser, main, request_from_args
from tests.conftest import assert_valid_mp4


def test_generate_embedded_writes_an_mp4(tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    code = main(
        [
            "generate",
            "[0-1s] a red circle [1-2s] wide shot, a hum",
            "-o",
            str(out),
            "--steps",
            "2",
            "--seed",
            "3",
            "--size",
            "32x32",
            "--fps",
            "8",
            "--checkpoint",
            "none",
        ]
    )
    assert code == 0
    assert_valid_mp4(out, seconds=2.0, fps=8, width=32, height=32, sample_rate=16000)
    printed = capsys.readouterr()
    assert "seed 3" in printed.out and "temporal" in printed.out
    assert "denoising" in printed.err  # the progress bar


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "prompt"),
        (["a ball", "--size", "33x33"], "size"),
        (["a ball", "--duration", "-1"], "duration"),
        (["a ball", "--duration", "20"], "15"),
        (["a ball @image1", "--ref", "image1=/nonexistent.png"], "cannot read"),
        (["a ball", "--steps", "0"], "steps"),
        (["a ball", "--negative-prompt", "x" * 5001], "negative_prompt"),
        (["a ball", "--cache-threshold", "2"], "cache_threshold"),
        (["a ball", "--cache-threshold", "-0.5"], "cache_threshold"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, args, message):
    code = main(["generate", *args, "-o", str(tmp_path / "x.mp4"), "--checkpoint", "none"])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.mp4").exists()


def test_malformed_flags_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["generate", "a ball", "-o", "x.mp4", "--size", "big"])
    assert caught.value.code == 2
    assert "64x64" in capsys.readouterr().err


def test_unreachable_server_fails_cleanly(tmp_path, capsys):
    code = main(
        [
            "generate",
            "a ball",
            "-o",
            str(tmp_path / "x.mp4"),
            "--server",
            "127.0.0.1:1",
            "--timeout",
            "5",
        ]
    )
    assert code == 1
    assert "UNAVAILABLE" in capsys.readouterr().err


def test_request_flags_reach_the_request():
    flags = ["--negative-prompt", "red", "--draft", "--cache-threshold", "0.1"]
    args = build_parser().parse_args(["generate", "a ball", "-o", "x.mp4", *flags])
    request = request_from_args(args)
    assert request.negative_prompt == "red" and request.draft and request.cache_threshold == 0.1
    plain = request_from_args(build_parser().parse_args(["generate", "a ball", "-o", "x.mp4"]))
    assert (plain.negative_prompt, plain.draft, plain.cache_threshold) == ("", False, 0.0)
