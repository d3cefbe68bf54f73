"""`reelflow retake|extend|remix`: embedded on an MP4 (checkpoint none), and with --server on a
job id of the embedded gRPC server; bad edits exit 2 naming the field."""

from __future__ import annotations

import json

from reelflow.cli.main import main
from reelflow.services.jobs.settings import JobSettings
from tests.conftest import ffprobe
from tests.services.embedded import ServerThread

PROMPT = "a red ball bouncing on a wooden floor, a soft hum"


def frames(path) -> int:
    video = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
    return int(video["nb_frames"])


def test_edits_over_the_server_by_job_id(local_stages, tmp_path, capsys):
    with ServerThread(local_stages, JobSettings(store_dir=str(tmp_path / "store"))) as server:
        where = ("--server", server.address)
        submit = ["jobs", *where, "submit", PROMPT, "--steps", "2", "--seed", "4"]
        assert main([*submit, "--duration", "2", "--wait"]) == 0
        job_id = json.loads(capsys.readouterr().out)["jobId"]
        common = [job_id, *where, "--steps", "2", "--seed", "1"]
        out = tmp_path / "retake.mp4"
        assert main(["retake", *common, "--start", "0.5", "--end", "1.5", "-o", str(out)]) == 0
        assert frames(out) == 16
        out = tmp_path / "extend.mp4"
        assert main(["extend", *common, "--seconds", "1", "--at-start", "-o", str(out)]) == 0
        assert frames(out) == 24
        out = tmp_path / "remix.mp4"
        assert main(["remix", *common, "--prompt", "a blue cube", "-o", str(out)]) == 0
        assert frames(out) == 16
        capsys.readouterr()
        bad = ["retake", *common, "--end", "9", "-o", str(tmp_path / "x.mp4")]
        assert main(bad) == 2
        assert "edit.end_s" in capsys.readouterr().err


def test_an_embedded_extend_of_an_mp4(tmp_path, capsys):
    source = tmp_path / "source.mp4"
    quick = ["--steps", "2", "--seed", "3", "--checkpoint", "none"]
    assert main(["generate", PROMPT, "--duration", "1", *quick, "-o", str(source)]) == 0
    out = tmp_path / "longer.mp4"
    assert main(["extend", str(source), "--seconds", "1", *quick, "-o", str(out)]) == 0
    assert frames(out) == 16 and "extend" in capsys.readouterr().out
    assert main(["remix", str(tmp_path / "missing.mp4"), "--prompt", "x", "-o", str(out)]) == 2
    assert "edit.source_mp4" in capsys.readouterr().err
