"""The job service's failures, free of any transport: a code from a fixed set, the message, and
what a client needs to act on it (the bad field and where in its text; when to retry; whose
quota). api/grpc turns a JobError into a status with google.rpc details, api/http into an
OpenAI-shaped error; a failed job stores the code's name (`JobRecord.failure_code`)."""

from __future__ import annotations

import enum
import math

from reelflow.pipeline.script.plan import ScriptError


class ErrorCode(enum.StrEnum):
    """The gRPC status names, which are also what the store keeps for a failed job."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNIMPLEMENTED = "UNIMPLEMENTED"
    UNAVAILABLE = "UNAVAILABLE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    CANCELLED = "CANCELLED"
    INTERNAL = "INTERNAL"

    @classmethod
    def of_name(cls, name: str) -> ErrorCode:
        """A stored failure code back to its code (INTERNAL for anything unknown)."""
        return cls.__members__.get(name, cls.INTERNAL)


class JobError(Exception):
    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str = "",
        description: str = "",
        retry_after_s: int = 0,
        quota_subject: str = "",
    ):
        super().__init__(message)
        self.code, self.message = code, message
        self.field = field  # INVALID_ARGUMENT: the request field that is wrong
        self.description = description  # ... and what is wrong with it
        self.retry_after_s = retry_after_s  # RESOURCE_EXHAUSTED: whole seconds, >= 1
        self.quota_subject = quota_subject  # ... when a key's quota is what is full


def bad_request(error: ScriptError) -> JobError:
    where = f" (characters {error.span[0]}-{error.span[1]})" if error.span else ""
    return JobError(
        ErrorCode.INVALID_ARGUMENT,
        str(error),
        field=error.field,
        description=error.message + where,
    )


def bad_field(field: str, message: str) -> JobError:
    return bad_request(ScriptError(field, message))


def overloaded(message: str, retry_after_s: float, quota_subject: str = "") -> JobError:
    seconds = max(1, math.ceil(retry_after_s))
    return JobError(
        ErrorCode.RESOURCE_EXHAUSTED,
        f"{message}; retry in {seconds}s",
        description=message,
        retry_after_s=seconds,
        quota_subject=quota_subject,
    )


def not_found(job_id: str) -> JobError:
    return JobError(ErrorCode.NOT_FOUND, f"no job {job_id!r}")


def unauthenticated(message: str) -> JobError:
    return JobError(ErrorCode.UNAUTHENTICATED, message)


def permission_denied(message: str) -> JobError:
    return JobError(ErrorCode.PERMISSION_DENIED, message)
