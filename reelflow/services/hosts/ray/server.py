"""Starting and stopping Ray Serve with the reelflow application (`reelflow serve`, tests)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from reelflow.services.config import DEFAULT_CONFIG, ServeConfig, parse_config

APP_NAME = "reelflow"


def read_raw_config(path: Path | str | None) -> dict[str, Any]:
    with open(path or DEFAULT_CONFIG) as handle:
        return yaml.safe_load(handle) or {}


def _env(config: ServeConfig) -> dict[str, str]:
    message_limit = str(config.max_message_bytes)
    return {
        "RAY_SERVE_REPLICA_GRPC_MAX_MESSAGE_LENGTH": message_limit,
        "RAY_SERVE_GRPC_MAX_MESSAGE_SIZE": message_limit,
        "HF_HUB_OFFLINE": "1",
    }


def start(
    raw_config: dict[str, Any],
    *,
    address: str | None = None,
    grpc_port: int | None = None,
    http_port: int | None = None,
    proxy_location: str | None = None,
    deploy: bool = True,
) -> ServeConfig:
    """Start (or connect to) Ray, start Serve's gRPC and HTTP proxies and deploy the application.

    A local Ray is bound to loopback with token authentication explicitly disabled: nothing
    outside this machine can reach it. A cluster address keeps that cluster's own settings.
    `proxy_location` ("HeadOnly", "EveryNode", "Disabled") is Serve's; several nodes on one
    machine need "HeadOnly" (their proxies would share a port). `deploy=False` starts Serve
    only, for `apply_config`.
    """
    if grpc_port is not None:
        raw_config = {**raw_config, "grpc_port": grpc_port}
    if http_port is not None:
        raw_config = {**raw_config, "http_port": http_port}
    config = parse_config(raw_config)
    import ray
    from ray import serve
    from ray.serve.config import HTTPOptions, gRPCOptions

    from reelflow.services.hosts.ray.app import SERVICER_FUNCTIONS, build

    env = _env(config)
    os.environ.update(env)
    if address is None:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        ray.init(
            namespace=APP_NAME,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            _temp_dir=os.environ.get(
                "REELFLOW_RAY_TMPDIR", tempfile.gettempdir() + "/reelflow-ray"
            ),
            runtime_env={"env_vars": env},
            log_to_driver=False,
        )
    else:
        ray.init(address=address, namespace=APP_NAME, runtime_env={"env_vars": env})
    serve.start(
        proxy_location=proxy_location,
        http_options=HTTPOptions(host="127.0.0.1", port=config.http_port),
        grpc_options=gRPCOptions(port=config.grpc_port, grpc_servicer_functions=SERVICER_FUNCTIONS),
    )
    if deploy:
        serve.run(build(config), name=APP_NAME, route_prefix="/", blocking=False)
    return config


def apply_config(
    raw_config: dict[str, Any], replicas: dict[str, int] | None = None, *, blocking: bool = True
) -> None:
    """Deploy (or update) the application declaratively, as KubeRay's serveConfigV2 does:
    import path + args, with per-deployment replica counts on top. Serve applies a change of
    replica counts in place, so scaling one stage leaves the other stages' replicas running.
    Serve must already be started on the connected cluster (see `start_serve`)."""
    from ray.serve.context import _get_global_client
    from ray.serve.schema import ServeDeploySchema

    config = parse_config(raw_config)
    application = {
        "name": APP_NAME,
        "route_prefix": "/",
        "import_path": "reelflow.services.hosts.ray.app:build_app",
        "args": raw_config,
        "runtime_env": {"env_vars": _env(config)},
        "deployments": [{"name": n, "num_replicas": k} for n, k in (replicas or {}).items()],
    }
    client = _get_global_client()
    client.deploy_apps(ServeDeploySchema.model_validate({"applications": [application]}))
    if blocking:
        client._wait_for_application_running(APP_NAME)


def stop() -> None:
    import ray
    from ray import serve

    if ray.is_initialized():
        serve.shutdown()
        ray.shutdown()
