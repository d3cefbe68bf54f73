"""A plain grpcio client for the public VideoGeneration API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc

from reelflow.pipeline.request import GenerationRequest
from reelflow.services.api import request_to_proto
from reelflow.v1 import generation_pb2, generation_pb2_grpc

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # the result carries the whole MP4


@dataclass(frozen=True)
class ClientResult:
    accepted: generation_pb2.Accepted
    result: generation_pb2.VideoResult
    progress: tuple[generation_pb2.Progress, ...]


def open_channel(address: str) -> grpc.Channel:
    return grpc.insecure_channel(
        address,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ],
    )


def generate_remote(
    address: str,
    request: GenerationRequest,
    on_progress: Callable[[generation_pb2.Progress], None] | None = None,
    timeout_s: float | None = None,
) -> ClientResult:
    """Call Generate and collect its stream; raises grpc.RpcError on a failed call."""
    with open_channel(address) as channel:
        stub = generation_pb2_grpc.VideoGenerationStub(channel)
        accepted, result, progress = None, None, []
        for event in stub.Generate(request_to_proto(request), timeout=timeout_s):
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
