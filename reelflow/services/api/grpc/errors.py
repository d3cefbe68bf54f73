"""JobErrors as gRPC statuses with google.rpc details: INVALID_ARGUMENT carries a BadRequest
field violation, RESOURCE_EXHAUSTED a RetryInfo (and a QuotaFailure for a key's quota)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from reelflow.services.jobs.errors import ErrorCode, JobError

INTERNAL = JobError(ErrorCode.INTERNAL, "internal error; see the server log")


def status_code(code: ErrorCode) -> grpc.StatusCode:
    return grpc.StatusCode[code.value]


def _details(error: JobError) -> list:
    if error.code == ErrorCode.INVALID_ARGUMENT and error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.description
        )
        return [error_details_pb2.BadRequest(field_violations=[violation])]
    if error.code == ErrorCode.RESOURCE_EXHAUSTED and error.retry_after_s:
        delay = duration_pb2.Duration(seconds=error.retry_after_s)
        details = [error_details_pb2.RetryInfo(retry_delay=delay)]
        if error.quota_subject:
            violation = error_details_pb2.QuotaFailure.Violation(
                subject=error.quota_subject, description=error.description
            )
            details.append(error_details_pb2.QuotaFailure(violations=[violation]))
        return details
    return []


def trailing_metadata(error: JobError) -> list[tuple[str, bytes]]:
    """The rich status (google.rpc.Status) as the `grpc-status-details-bin` trailer."""
    details = _details(error)
    if not details:
        return []
    packed = []
    for detail in details:
        item = any_pb2.Any()
        item.Pack(detail)
        packed.append(item)
    code = status_code(error.code).value[0]
    status = status_pb2.Status(code=code, message=error.message, details=packed)
    return [("grpc-status-details-bin", status.SerializeToString())]
