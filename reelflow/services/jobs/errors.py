"""API failures as gRPC statuses with google.rpc details, independent of the transport: the
Serve Orchestrator and the embedded grpc.aio server each turn an ApiError into their call's
status."""

from __future__ import annotations

import math

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from reelflow.pipeline.script.plan import ScriptError
from reelflow.services.api.messages import invalid_argument


class ApiError(Exception):
    def __init__(
        self,
        code: grpc.StatusCode,
        details: str,
        trailing: list[tuple[str, bytes]] | None = None,
    ):
        super().__init__(details)
        self.code = code
        self.details = details
        self.trailing = trailing or []


def _with_details(code: grpc.StatusCode, message: str, *details) -> ApiError:
    packed = []
    for detail in details:
        item = any_pb2.Any()
        item.Pack(detail)
        packed.append(item)
    status = status_pb2.Status(code=code.value[0], message=message, details=packed)
    return ApiError(code, message, [("grpc-status-details-bin", status.SerializeToString())])


def bad_request(error: ScriptError) -> ApiError:
    details, trailing = invalid_argument(error)
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, details, trailing)


def bad_field(field: str, message: str) -> ApiError:
    return bad_request(ScriptError(field, message))


def overloaded(message: str, retry_after_s: float, quota_subject: str = "") -> ApiError:
    """RESOURCE_EXHAUSTED with google.rpc.RetryInfo (and QuotaFailure for a key's quota)."""
    seconds = max(1, math.ceil(retry_after_s))
    retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=seconds))
    extra = []
    if quota_subject:
        extra.append(
            error_details_pb2.QuotaFailure(
                violations=[
                    error_details_pb2.QuotaFailure.Violation(
                        subject=quota_subject, description=message
                    )
                ]
            )
        )
    return _with_details(
        grpc.StatusCode.RESOURCE_EXHAUSTED, f"{message}; retry in {seconds}s", retry, *extra
    )


def not_found(job_id: str) -> ApiError:
    return ApiError(grpc.StatusCode.NOT_FOUND, f"no job {job_id!r}")


def unauthenticated(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.UNAUTHENTICATED, message)


def permission_denied(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.PERMISSION_DENIED, message)


def status_code(name: str) -> grpc.StatusCode:
    """A stored failure code name back to the status (INTERNAL for anything unknown)."""
    return grpc.StatusCode.__members__.get(name, grpc.StatusCode.INTERNAL)
