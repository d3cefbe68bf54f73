"""The layout's rules (docs/architecture.md), read from the modules' own import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reelflow"
# folder -> the top-level names and reelflow packages its modules must never import
FORBIDDEN = {
    "pipeline": ("ray", "grpc", "reelflow.services", "reelflow.cli", "reelflow.v1", "reelflow.lab"),
    # editing builds on generation, never the reverse
    "pipeline/generation": ("reelflow.pipeline.editing",),
    "services": ("reelflow.cli", "reelflow.lab"),
    # the job machinery speaks domain values; the transports adapt to it (api/, hosts/)
    "services/jobs": (
        "grpc",
        "google.rpc",
        "google.protobuf",
        "reelflow.v1",
        "ray",
        "reelflow.services.api",
        "reelflow.services.hosts",
        "reelflow.services.deployments",
    ),
    # the lab (synthetic world, training) builds on the model library, outside serving
    "lab": ("ray", "grpc", "reelflow.services", "reelflow.cli", "reelflow.v1"),
}
MAX_MODULES = 12  # per package folder, __init__ not counted


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` in the file names, at any depth (the lazy
    imports inside functions count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _breaks(name: str, rule: str) -> bool:
    return name == rule or name.startswith(rule + ".")


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_import_rules(folder: str) -> None:
    broken = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in sorted(imported_modules(path))
        if any(_breaks(name, rule) for rule in FORBIDDEN[folder])
    ]
    assert not broken, "\n".join(broken)


def test_the_rule_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ray import serve\n    import grpc.aio\n")
    assert {"ray", "ray.serve", "grpc.aio"} <= imported_modules(module)
    assert _breaks("grpc.aio", "grpc") and not _breaks("grpcio_like", "grpc")


def test_package_folders_stay_small() -> None:
    crowded = {
        str(folder.relative_to(PACKAGE.parent)): count
        for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir())]
        if (count := len([m for m in folder.glob("*.py") if m.name != "__init__.py"])) > MAX_MODULES
        and folder.name != "v1"  # generated stubs, one pair per proto
    }
    assert not crowded, crowded
