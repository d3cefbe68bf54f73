"""The public API's messages <-> pipeline values, and bad input as rich gRPC statuses."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from reelflow.pipeline.generation.request import GenerationRequest, PreparedRequest
from reelflow.pipeline.generation.schedule import GenerationResult
from reelflow.pipeline.script.plan import ScriptError
from reelflow.v1 import generation_pb2


def request_from_proto(message: generation_pb2.GenerateRequest) -> GenerationRequest:
    """Zero means "default" for the numeric fields (proto3 scalars have no presence)."""
    names = [ref.name for ref in message.references]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise ScriptError(f"references[{duplicate}]", f"reference {duplicate!r} is attached twice")
    return GenerationRequest(
        prompt=message.prompt,
        duration_s=message.duration_s or None,
        fps=message.fps or None,
        width=message.width or None,
        height=message.height or None,
        seed=message.seed if message.HasField("seed") else None,
        steps=message.steps or None,
        guidance=message.guidance or None,
        references={ref.name: ref.data for ref in message.references},
        roles={ref.name: ref.role for ref in message.references if ref.role},
        negative_prompt=message.negative_prompt,
        draft=message.draft,
        cache_threshold=message.cache_threshold,
    )


def request_to_proto(request: GenerationRequest) -> generation_pb2.GenerateRequest:
    return generation_pb2.GenerateRequest(
        prompt=request.prompt,
        duration_s=request.duration_s or 0.0,
        fps=request.fps or 0,
        width=request.width or 0,
        height=request.height or 0,
        seed=request.seed,
        steps=request.steps or 0,
        guidance=request.guidance or 0.0,
        references=[
            generation_pb2.ReferenceFile(name=name, data=data, role=request.roles.get(name, ""))
            for name, data in request.references.items()
        ],
        negative_prompt=request.negative_prompt,
        draft=request.draft,
        cache_threshold=request.cache_threshold,
    )


def result_to_proto(
    result: GenerationResult, prepared: PreparedRequest
) -> generation_pb2.VideoResult:
    plan = prepared.plan
    return generation_pb2.VideoResult(
        mp4=result.mp4,
        duration_s=plan.num_frames / plan.fps,
        fps=plan.fps,
        width=plan.width,
        height=plan.height,
        sample_rate=plan.sample_rate,
        num_frames=plan.num_frames,
        seed=prepared.options.seed,
        stage_seconds=result.stage_seconds,
    )


def invalid_argument(error: ScriptError) -> tuple[str, list[tuple[str, bytes]]]:
    """Details and trailing metadata for INVALID_ARGUMENT with google.rpc.BadRequest."""
    violation = error_details_pb2.BadRequest.FieldViolation(
        field=error.field,
        description=error.message
        + (f" (characters {error.span[0]}-{error.span[1]})" if error.span else ""),
    )
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(error), details=[detail])
    return str(error), [("grpc-status-details-bin", status.SerializeToString())]


INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
