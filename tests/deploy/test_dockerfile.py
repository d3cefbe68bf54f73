"""deploy/docker/Dockerfile can't be built here (no container runtime): keep it consistent with
pyproject.toml and the chart instead."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.deploy.chart import CHART, ROOT, render

DOCKERFILE = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def arg(name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)$", DOCKERFILE, re.M)
    assert match, f"ARG {name} missing"
    return match[1]


def pin(package: str) -> str:
    (spec,) = (d for d in PROJECT["dependencies"] if re.match(rf"{package}(?![A-Za-z0-9_-])", d))
    return spec


def test_python_version_satisfies_requires_python():
    python = arg("PYTHON_VERSION")
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim", DOCKERFILE, re.M)
    low, high = re.fullmatch(r">=(\d+\.\d+),<(\d+\.\d+)", PROJECT["requires-python"]).groups()
    version = tuple(map(int, python.split(".")))
    assert tuple(map(int, low.split("."))) <= version < tuple(map(int, high.split(".")))


def test_torch_is_installed_first_with_the_pyproject_pin():
    assert pin("torch") == f"torch=={arg('TORCH_VERSION')}"
    torch_line = DOCKERFILE.index('pip install "torch==${TORCH_VERSION}"')
    assert torch_line < DOCKERFILE.index("pip install .")


def test_the_project_itself_is_installed_with_its_code_and_stubs():
    assert re.search(r"^COPY pyproject.toml README.md \./$", DOCKERFILE, re.M)
    assert re.search(r"^COPY reelflow \./reelflow$", DOCKERFILE, re.M)
    assert (ROOT / "reelflow" / "v1" / "generation_pb2_grpc.py").exists()  # the proxy imports it
    assert "import reelflow.v1.generation_pb2_grpc, ray.serve" in DOCKERFILE


def test_exposed_ports_are_the_charts_container_ports():
    exposed = set(re.search(r"^EXPOSE (.+)$", DOCKERFILE, re.M)[1].split())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    config = values["serveConfig"]
    assert exposed == {
        str(config["grpc_port"]),
        str(config["http_port"]),
        str(values["metrics"]["port"]),
    }


def test_chart_ray_and_app_versions_match_the_project():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == PROJECT["version"]
    ray_pin = re.fullmatch(r"ray\[serve\]>=(\d+\.\d+),<.*", pin(r"ray\[serve\]"))[1]
    (rayservice,) = (o for o in render({}) if o["kind"] == "RayService")
    assert rayservice["spec"]["rayClusterConfig"]["rayVersion"].startswith(ray_pin + ".")
    image = rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]
    assert image["containers"][0]["image"].endswith(":" + PROJECT["version"])
