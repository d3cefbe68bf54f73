"""A webhook receiver on loopback: records every POST, verifies it with the real
`standardwebhooks` verifier, and can fail the first attempts of each event."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()


class Receiver:
    def __init__(self, secret: str = SECRET, fail_first: int = 0, stall_first_s: float = 0.0):
        self.verifier = Webhook(secret)
        self.fail_first = fail_first
        self.stall_first_s = stall_first_s  # the first attempt of each event answers this late
        self.attempts: Counter[str] = Counter()  # webhook-id -> POSTs seen
        self.accepted: list[tuple[str, dict]] = []  # (webhook-id, verified payload), in order
        self.bad_signatures = 0
        self.arrived: dict[str, float] = {}  # webhook-id -> when it was accepted
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._receive(headers, body)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _receive(self, headers: dict, body: bytes) -> int:
        try:
            payload = self.verifier.verify(body, headers)
        except Exception:
            with self._lock:
                self.bad_signatures += 1
            return 400
        message_id = headers["webhook-id"]
        with self._lock:
            self.attempts[message_id] += 1
            first = self.attempts[message_id] == 1
        if first and self.stall_first_s:
            time.sleep(self.stall_first_s)  # past the sender's time-out
            return 500
        with self._lock:
            if self.attempts[message_id] <= self.fail_first:
                return 500
            self.accepted.append((message_id, payload))
            self.arrived[message_id] = time.time()
        return 204

    def states(self, job_id: str) -> list[str]:
        with self._lock:
            return [p["data"]["job_state"] for _, p in self.accepted if p["data"]["id"] == job_id]

    def wait_for_state(self, job_id: str, state: str, timeout_s: float = 60.0) -> list[str]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if state in (states := self.states(job_id)):
                return states
            time.sleep(0.05)
        raise AssertionError(f"no {state} webhook for {job_id}; got {self.states(job_id)}")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def as_json(payload) -> dict:
    return payload if isinstance(payload, dict) else json.loads(payload)
