"""One local Ray Serve stack for the served families, started on first use and always stopped.

It is started through the public entry point (reelflow.services.hosts.ray.server.start)
with its own Ray temp dir and ports, so it does not collide with other Ray instances on the machine.
"""

from __future__ import annotations

import os
import socket
import tempfile

_address: str | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def address() -> str:
    """host:port of the public gRPC API of a running local stack (random-init weights)."""
    global _address
    if _address is None:
        from reelflow.services.hosts.ray import server

        os.environ.setdefault("REELFLOW_RAY_TMPDIR", tempfile.gettempdir() + "/reelflow-bench-ray")
        raw = {
            **server.read_raw_config(None),
            "checkpoint": "none",
            "http_port": free_port(),
            "jobs": {
                **server.read_raw_config(None).get("jobs", {}),
                "store_dir": tempfile.mkdtemp(prefix="reelflow-bench-jobs-"),
            },
        }
        config = server.start(raw, grpc_port=free_port())
        _address = f"127.0.0.1:{config.grpc_port}"
    return _address


def shutdown() -> None:
    global _address
    if _address is not None:
        from reelflow.services.hosts.ray import server

        server.stop()
        _address = None
