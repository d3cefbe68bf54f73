"""TLS terminated by the embedded server: a client that trusts the CA gets answers, a plaintext
client gets none. The certificate is made here by the openssl command-line tool."""

from __future__ import annotations

import subprocess

import grpc
import pytest

from reelflow.services.api.grpc.client import JobClient
from reelflow.services.hosts.embedded import TlsFiles
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2 as pb
from tests.services.embedded import ServerThread


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> TlsFiles:
    root = tmp_path_factory.mktemp("tls")
    key, cert = root / "server.key", root / "server.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return TlsFiles(certificate=cert, private_key=key)


def test_tls_client_is_served_and_plaintext_is_refused(local_stages, certificate, tmp_path):
    jobs = JobSettings(store_dir=str(tmp_path))
    with ServerThread(local_stages, jobs, tls=certificate) as server:
        trusted = certificate.certificate.read_bytes()
        with JobClient(server.address, root_certificates=trusted) as client:
            assert client.capabilities().preset == "tiny"
        with JobClient(server.address) as plaintext, pytest.raises(grpc.RpcError) as caught:
            plaintext.stub.GetCapabilities(
                pb.GetCapabilitiesRequest(),
                timeout=5,
            )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_http_api_is_served_over_tls_too(local_stages, certificate, tmp_path):
    import json
    import ssl
    import urllib.error
    import urllib.request

    jobs = JobSettings(store_dir=str(tmp_path))
    with ServerThread(local_stages, jobs, tls=certificate, http=True) as server:
        port = server.server.http_port
        trusting = ssl.create_default_context(cafile=str(certificate.certificate))
        with urllib.request.urlopen(
            f"https://127.0.0.1:{port}/v1/models", context=trusting, timeout=10
        ) as response:
            assert json.load(response)["data"][0]["id"] == "reelflow-tiny"
        with pytest.raises((urllib.error.URLError, ConnectionError)):  # plaintext: no answer
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=5).read()
