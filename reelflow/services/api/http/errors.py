"""OpenAI-shaped errors: `{"error": {"message", "type", "param", "code"}}` with the HTTP
status that means the same as the job service's gRPC status. Every failure leaves through
here, so no route can answer with a stack trace or a FastAPI-shaped body."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from google.rpc import error_details_pb2, status_pb2
from starlette.exceptions import HTTPException

from reelflow.services import metrics
from reelflow.services.jobs.errors import ApiError

logger = logging.getLogger("reelflow.api")

# gRPC status -> (HTTP status, OpenAI error type)
_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: (400, "invalid_request_error"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "authentication_error"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "permission_error"),
    grpc.StatusCode.NOT_FOUND: (404, "invalid_request_error"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "invalid_request_error"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "invalid_request_error"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "rate_limit_error"),
    grpc.StatusCode.UNIMPLEMENTED: (501, "invalid_request_error"),
    grpc.StatusCode.UNAVAILABLE: (503, "server_error"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "server_error"),
}
_TYPE_OF_HTTP = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "invalid_request_error",
}


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type = status, message, type
        self.param, self.code, self.headers = param, code, dict(headers or {})

    def response(self) -> JSONResponse:
        body = {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def bad_field(param: str, message: str, code: str = "invalid_value") -> HttpError:
    return HttpError(400, message, param=param, code=code)


def _details(error: ApiError) -> list:
    for name, value in error.trailing:
        if name == "grpc-status-details-bin":
            return list(status_pb2.Status.FromString(value).details)
    return []


def from_api_error(error: ApiError, params: Mapping[str, str] | None = None) -> HttpError:
    """`params` renames the job service's field names to this API's (duration -> seconds)."""
    status, kind = _STATUS.get(error.code, (500, "server_error"))
    param, headers = None, {}
    message = error.details
    for detail in _details(error):
        bad, retry = error_details_pb2.BadRequest(), error_details_pb2.RetryInfo()
        if detail.Unpack(bad) and bad.field_violations:
            violation = bad.field_violations[0]
            param = (params or {}).get(violation.field, violation.field)
            message = f"{param}: {violation.description}"
        elif detail.Unpack(retry):
            headers["Retry-After"] = str(max(1, retry.retry_delay.seconds))
    if status == 500:
        message = "internal error; see the server log"
    return HttpError(
        status, message, type=kind, param=param, code=error.code.name.lower(), headers=headers
    )


def install(app: FastAPI) -> None:
    """Exception handlers that make every failure OpenAI-shaped."""

    @app.exception_handler(HttpError)
    async def _ours(request: Request, error: HttpError) -> JSONResponse:
        return error.response()

    @app.exception_handler(ApiError)
    async def _service(request: Request, error: ApiError) -> JSONResponse:
        if error.code.name in metrics.ERROR_CODES:
            metrics.record_error(error.code.name)
        return from_api_error(error).response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = [
            str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")
        ]
        param = ".".join(where) or None
        message = f"{param}: {first.get('msg', 'invalid value')}" if param else "invalid request"
        return bad_field(param or "", message).response()

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        kind = _TYPE_OF_HTTP.get(error.status_code, "invalid_request_error")
        return HttpError(error.status_code, str(error.detail), type=kind).response()

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error in an HTTP call", exc_info=error)
        return HttpError(500, "internal error; see the server log", type="server_error").response()
