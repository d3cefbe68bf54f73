"""The committed gRPC/protobuf modules are exactly what protoc makes from protos/ now."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_modules_are_not_stale(tmp_path):
    protos = sorted((ROOT / "protos").rglob("*.proto"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{ROOT / 'protos'}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            *map(str, protos),
        ],
        check=True,
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.py*"))
    assert fresh, "protoc produced nothing"
    for relative in fresh:
        committed = ROOT / relative
        assert committed.exists(), f"{relative} is missing: run `make protos`"
        assert committed.read_bytes() == (tmp_path / relative).read_bytes(), (
            f"{relative} is stale: run `make protos`"
        )
