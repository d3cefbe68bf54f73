"""OpenAI-shaped errors: `{"error": {"message", "type", "param", "code"}}` with the HTTP
status that means the same as the job service's error code. Every failure leaves through
here, so no route can answer with a stack trace or a FastAPI-shaped body."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from reelflow.services import metrics
from reelflow.services.jobs.errors import ErrorCode, JobError

logger = logging.getLogger("reelflow.api")

# the job service's code -> (HTTP status, OpenAI error type)
_STATUS = {
    ErrorCode.INVALID_ARGUMENT: (400, "invalid_request_error"),
    ErrorCode.UNAUTHENTICATED: (401, "authentication_error"),
    ErrorCode.PERMISSION_DENIED: (403, "permission_error"),
    ErrorCode.NOT_FOUND: (404, "invalid_request_error"),
    ErrorCode.ALREADY_EXISTS: (409, "invalid_request_error"),
    ErrorCode.FAILED_PRECONDITION: (409, "invalid_request_error"),
    ErrorCode.RESOURCE_EXHAUSTED: (429, "rate_limit_error"),
    ErrorCode.UNIMPLEMENTED: (501, "invalid_request_error"),
    ErrorCode.UNAVAILABLE: (503, "server_error"),
    ErrorCode.DEADLINE_EXCEEDED: (504, "server_error"),
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


def from_job_error(error: JobError, params: Mapping[str, str] | None = None) -> HttpError:
    """`params` renames the job service's field names to this API's (duration -> seconds)."""
    status, kind = _STATUS.get(error.code, (500, "server_error"))
    param, headers = None, {}
    message = error.message
    if error.code == ErrorCode.INVALID_ARGUMENT and error.field:
        param = (params or {}).get(error.field, error.field)
        message = f"{param}: {error.description}"
    if error.retry_after_s:
        headers["Retry-After"] = str(error.retry_after_s)
    if status == 500:
        message = "internal error; see the server log"
    return HttpError(
        status, message, type=kind, param=param, code=error.code.lower(), headers=headers
    )


def install(app: FastAPI) -> None:
    """Exception handlers that make every failure OpenAI-shaped."""

    @app.exception_handler(HttpError)
    async def _ours(request: Request, error: HttpError) -> JSONResponse:
        return error.response()

    @app.exception_handler(JobError)
    async def _service(request: Request, error: JobError) -> JSONResponse:
        if error.code in metrics.ERROR_CODES:
            metrics.record_error(str(error.code))
        return from_job_error(error).response()

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
