"""A plain grpcio client for the public VideoGeneration API: the one-call Generate and the job
methods, with an optional API key and TLS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.services.api.grpc.messages import request_to_proto
from reelflow.v1 import generation_pb2, generation_pb2_grpc

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # the Generate result carries the whole MP4
TERMINAL = {
    generation_pb2.JOB_STATE_SUCCEEDED,
    generation_pb2.JOB_STATE_FAILED,
    generation_pb2.JOB_STATE_CANCELLED,
    generation_pb2.JOB_STATE_EXPIRED,
}


@dataclass(frozen=True)
class ClientResult:
    accepted: generation_pb2.Accepted
    result: generation_pb2.VideoResult
    progress: tuple[generation_pb2.Progress, ...]


def open_channel(address: str, root_certificates: bytes | None = None) -> grpc.Channel:
    """Plaintext, or TLS when the server's CA certificate (PEM) is given."""
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    if root_certificates is not None:
        credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        return grpc.secure_channel(address, credentials, options=options)
    return grpc.insecure_channel(address, options=options)


def _metadata(api_key: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {api_key}"),) if api_key else ()


def generate_remote(
    address: str,
    request: GenerationRequest,
    on_progress: Callable[[generation_pb2.Progress], None] | None = None,
    timeout_s: float | None = None,
    api_key: str | None = None,
) -> ClientResult:
    """Call Generate and collect its stream; raises grpc.RpcError on a failed call."""
    with open_channel(address) as channel:
        stub = generation_pb2_grpc.VideoGenerationStub(channel)
        accepted, result, progress = None, None, []
        stream = stub.Generate(
            request_to_proto(request), timeout=timeout_s, metadata=_metadata(api_key)
        )
        for event in stream:
            kind = event.WhichOneof("event")
            if kind == "accepted":
                accepted = event.accepted
            elif kind == "progress":
                progress.append(event.progress)
                if on_progress is not None:
                    on_progress(event.progress)
            elif kind == "result":
                result = event.result
        if accepted is None or result is None:
            raise RuntimeError("the server closed the stream without a result")
        return ClientResult(accepted=accepted, result=result, progress=tuple(progress))


class JobClient:
    """The job methods over one channel; every call carries the API key when one is given."""

    def __init__(
        self, address: str, api_key: str | None = None, root_certificates: bytes | None = None
    ):
        self.channel = open_channel(address, root_certificates)
        self.stub = generation_pb2_grpc.VideoGenerationStub(self.channel)
        self.metadata = _metadata(api_key)

    def __enter__(self) -> JobClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()

    def submit(
        self,
        request: generation_pb2.GenerateRequest | GenerationRequest,
        request_id: str = "",
        timeout_s: float = 60.0,
    ) -> generation_pb2.Job:
        if isinstance(request, GenerationRequest):
            request = request_to_proto(request)
        message = generation_pb2.SubmitJobRequest(request=request, request_id=request_id)
        return self.stub.SubmitJob(message, timeout=timeout_s, metadata=self.metadata)

    def get(self, job_id: str, timeout_s: float = 30.0) -> generation_pb2.Job:
        return self.stub.GetJob(
            generation_pb2.GetJobRequest(job_id=job_id), timeout=timeout_s, metadata=self.metadata
        )

    def cancel(self, job_id: str, timeout_s: float = 30.0) -> generation_pb2.Job:
        return self.stub.CancelJob(
            generation_pb2.CancelJobRequest(job_id=job_id),
            timeout=timeout_s,
            metadata=self.metadata,
        )

    def watch(self, job_id: str, timeout_s: float | None = None) -> Iterator[generation_pb2.Job]:
        return self.stub.WatchJob(
            generation_pb2.WatchJobRequest(job_id=job_id),
            timeout=timeout_s,
            metadata=self.metadata,
        )

    def wait(self, job_id: str, timeout_s: float = 600.0) -> generation_pb2.Job:
        """Watch until the job is terminal; returns its final record."""
        last = None
        for last in self.watch(job_id, timeout_s):
            if last.state in TERMINAL:
                return last
        raise RuntimeError(f"WatchJob ended before job {job_id} finished")

    def fetch(
        self,
        job_id: str,
        artifact: int = generation_pb2.ARTIFACT_MP4,
        chunk_bytes: int = 0,
        timeout_s: float = 120.0,
    ) -> bytes:
        chunks = self.stub.FetchVideo(
            generation_pb2.FetchVideoRequest(
                job_id=job_id, artifact=artifact, chunk_bytes=chunk_bytes
            ),
            timeout=timeout_s,
            metadata=self.metadata,
        )
        return b"".join(chunk.data for chunk in chunks)

    def list(
        self, states: tuple[int, ...] = (), page_size: int = 0, page_token: str = ""
    ) -> generation_pb2.ListJobsResponse:
        return self.stub.ListJobs(
            generation_pb2.ListJobsRequest(
                states=states, page_size=page_size, page_token=page_token
            ),
            timeout=30.0,
            metadata=self.metadata,
        )

    def capabilities(self) -> generation_pb2.Capabilities:
        return self.stub.GetCapabilities(
            generation_pb2.GetCapabilitiesRequest(), timeout=30.0, metadata=self.metadata
        )
