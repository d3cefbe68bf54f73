"""JobService methods as gRPC handlers, for the two servers that host them: the Ray Serve gRPC
proxy (the Orchestrator deployment) and the embedded grpc.aio server. Failures become the call's
status with google.rpc details; an unexpected error is logged and the client sees only INTERNAL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc

from reelflow.services import metrics
from reelflow.services.jobs.errors import ApiError

logger = logging.getLogger("reelflow.api")
INTERNAL = ApiError(grpc.StatusCode.INTERNAL, "internal error; see the server log")


def _as_api_error(error: Exception) -> ApiError:
    if not isinstance(error, ApiError):
        logger.exception("unexpected error in an API call", exc_info=error)
        error = INTERNAL
    if error.code.name in metrics.ERROR_CODES:  # a fixed label set; the rest go uncounted
        metrics.record_error(error.code.name)
    return error


def _set(context, error: ApiError) -> None:
    context.set_code(error.code)
    context.set_details(error.details)
    if error.trailing:
        context.set_trailing_metadata(error.trailing)


# -- Ray Serve: the proxy copies code, details and trailing metadata onto the call only together
# with a message, so a failure returns (or yields) one empty message after setting them.


async def serve_unary(method: Callable[..., Awaitable], request, context, empty):
    try:
        return await method(request, context.invocation_metadata())
    except Exception as error:
        _set(context, _as_api_error(error))
        return empty()


async def serve_stream(method: Callable[..., AsyncIterator], request, context, empty):
    stream = method(request, context.invocation_metadata())
    try:
        async for item in stream:
            yield item
    except Exception as error:
        _set(context, _as_api_error(error))
        yield empty()
    finally:
        await stream.aclose()


# -- grpc.aio ------------------------------------------------------------------------------


async def aio_unary(method: Callable[..., Awaitable], request, context: grpc.aio.ServicerContext):
    try:
        return await method(request, context.invocation_metadata())
    except Exception as error:
        failure = _as_api_error(error)
    await context.abort(failure.code, failure.details, tuple(failure.trailing))


async def aio_stream(method: Callable[..., AsyncIterator], request, context):
    stream = method(request, context.invocation_metadata())
    try:
        async for item in stream:
            yield item
    except Exception as error:
        failure = _as_api_error(error)
        await context.abort(failure.code, failure.details, tuple(failure.trailing))
    finally:
        await stream.aclose()
