"""The VideoGeneration methods as gRPC handlers, for the two servers that host them: the Ray
Serve gRPC proxy (the Orchestrator deployment) and the embedded grpc.aio server. Failures become
the call's status with google.rpc details; an unexpected error is logged and the client sees
only INTERNAL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc

from reelflow.services import metrics
from reelflow.services.api.grpc.errors import INTERNAL, status_code, trailing_metadata
from reelflow.services.jobs.errors import JobError

logger = logging.getLogger("reelflow.api")


def _as_job_error(error: Exception) -> JobError:
    if not isinstance(error, JobError):
        logger.exception("unexpected error in an API call", exc_info=error)
        error = INTERNAL
    if error.code in metrics.ERROR_CODES:  # a fixed label set; the rest go uncounted
        metrics.record_error(str(error.code))
    return error


def _set(context, error: JobError) -> None:
    context.set_code(status_code(error.code))
    context.set_details(error.message)
    trailing = trailing_metadata(error)
    if trailing:
        context.set_trailing_metadata(trailing)


# -- Ray Serve: the proxy copies code, details and trailing metadata onto the call only together
# with a message, so a failure returns (or yields) one empty message after setting them.


async def serve_unary(method: Callable[..., Awaitable], request, context, empty):
    try:
        return await method(request, context.invocation_metadata())
    except Exception as error:
        _set(context, _as_job_error(error))
        return empty()


async def serve_stream(method: Callable[..., AsyncIterator], request, context, empty):
    stream = method(request, context.invocation_metadata())
    try:
        async for item in stream:
            yield item
    except Exception as error:
        _set(context, _as_job_error(error))
        yield empty()
    finally:
        await stream.aclose()


# -- grpc.aio ------------------------------------------------------------------------------


async def aio_unary(method: Callable[..., Awaitable], request, context: grpc.aio.ServicerContext):
    try:
        return await method(request, context.invocation_metadata())
    except Exception as error:
        failure = _as_job_error(error)
    await context.abort(
        status_code(failure.code), failure.message, tuple(trailing_metadata(failure))
    )


async def aio_stream(method: Callable[..., AsyncIterator], request, context):
    stream = method(request, context.invocation_metadata())
    try:
        async for item in stream:
            yield item
    except Exception as error:
        failure = _as_job_error(error)
        await context.abort(
            status_code(failure.code), failure.message, tuple(trailing_metadata(failure))
        )
    finally:
        await stream.aclose()
