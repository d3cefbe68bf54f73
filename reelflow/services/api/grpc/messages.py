"""GenerateRequest messages <-> the domain request (jobs/requests.py), both ways: the server
reads a request once, here, into a JobRequest; the client writes its GenerationRequest."""

from __future__ import annotations

from reelflow.pipeline.editing.edits import DEFAULT_STRENGTH, EditSpec
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.script.plan import ScriptError
from reelflow.services.jobs.requests import EditRequest, JobOptions, JobRequest, Priority
from reelflow.v1 import generation_pb2

KIND_NAMES = {
    generation_pb2.EDIT_KIND_RETAKE: "retake",
    generation_pb2.EDIT_KIND_EXTEND: "extend",
    generation_pb2.EDIT_KIND_REMIX: "remix",
}
KIND_OF_NAME = {name: kind for kind, name in KIND_NAMES.items()}


def generation_from_proto(message: generation_pb2.GenerateRequest) -> GenerationRequest:
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


def edit_from_proto(edit: generation_pb2.Edit) -> EditRequest:
    """ScriptError naming the field when a value is out of range (EditSpec checks them)."""
    if edit.kind not in KIND_NAMES:
        raise ScriptError("edit.kind", f"unknown edit kind {edit.kind}")
    spec = EditSpec(
        kind=KIND_NAMES[edit.kind],
        start_s=edit.start_s,
        end_s=edit.end_s,
        video=edit.regenerate_video if edit.HasField("regenerate_video") else True,
        audio=edit.regenerate_audio if edit.HasField("regenerate_audio") else True,
        seconds=edit.seconds,
        at_start=edit.at_start,
        strength=edit.strength if edit.HasField("strength") else DEFAULT_STRENGTH,
    )
    source = edit.WhichOneof("source")
    return EditRequest(
        spec,
        source_job_id=edit.source_job_id if source == "source_job_id" else None,
        source_mp4=edit.source_mp4 if source == "source_mp4" else None,
    )


def edit_to_proto(edit: EditRequest) -> generation_pb2.Edit:
    spec = edit.spec
    message = generation_pb2.Edit(
        kind=KIND_OF_NAME[spec.kind],
        start_s=spec.start_s,
        end_s=spec.end_s,
        regenerate_video=spec.video,
        regenerate_audio=spec.audio,
        seconds=spec.seconds,
        at_start=spec.at_start,
        strength=spec.strength,
    )
    if edit.source_job_id is not None:
        message.source_job_id = edit.source_job_id
    if edit.source_mp4 is not None:
        message.source_mp4 = edit.source_mp4
    return message


def job_request_from_proto(message: generation_pb2.GenerateRequest) -> JobRequest:
    """ScriptError naming the field for what the message's shape cannot hold."""
    if message.priority not in generation_pb2.Priority.values():
        raise ScriptError("priority", f"unknown priority {message.priority}")
    is_edit = message.HasField("edit") and message.edit.kind != generation_pb2.EDIT_KIND_UNSPECIFIED
    return JobRequest(
        generation=generation_from_proto(message),
        edit=edit_from_proto(message.edit) if is_edit else None,
        options=JobOptions(
            priority=Priority(message.priority or Priority.NORMAL),
            queue_timeout_s=message.queue_timeout_s,
            deadline_s=message.deadline_s,
            preview_every=message.preview_every,
            callback_url=message.callback_url,
            generate_audio=not message.HasField("generate_audio") or message.generate_audio,
            return_last_frame=message.return_last_frame,
        ),
    )


def read_stored_v1(data: bytes) -> JobRequest:
    """A job request the store kept in format 1 (the GenerateRequest itself, seed fixed)."""
    return job_request_from_proto(generation_pb2.GenerateRequest.FromString(data))


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
