"""`reelflow jobs ...` against the embedded server."""

from __future__ import annotations

import argparse
import json

from reelflow.services import jobs_cmd
from reelflow.services.jobs.settings import JobSettings
from tests.services.embedded import ServerThread


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    jobs_cmd.add_parser(parser.add_subparsers(dest="command"))
    return jobs_cmd.run(parser.parse_args(list(argv)))


def test_submit_wait_fetch_and_list(local_stages, tmp_path, capsys):
    with ServerThread(local_stages, JobSettings(store_dir=str(tmp_path / "store"))) as server:
        where = ("jobs", "--server", server.address)
        prompt = "[0-1s] a red ball [1-2s] it rolls"
        assert run(*where, "submit", prompt, "--steps", "2", "--seed", "4", "--wait") == 0
        job = json.loads(capsys.readouterr().out)
        assert job["state"] == "JOB_STATE_SUCCEEDED" and job["seed"] == "4"
        out = tmp_path / "out.mp4"
        assert run(*where, "fetch", job["jobId"], "-o", str(out)) == 0
        assert out.read_bytes()[4:8] == b"ftyp"
        capsys.readouterr()
        assert run(*where, "list") == 0
        assert job["jobId"] in capsys.readouterr().out
