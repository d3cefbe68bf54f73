"""Bodies of the edit routes (POST /v1/videos/{id}/remix, /v1/videos/extensions,
/v1/videos/edits), JSON or multipart as the openai SDK sends them, turned into the job
service's JobRequest with an EditRequest. The source is `video` ({"id": ...} or, in multipart,
`video[id]` or an uploaded MP4). As for creation, the video itself is checked once, by the job
service; errors name the HTTP field the client sent."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request

from reelflow.pipeline.editing.edits import DEFAULT_STRENGTH, EditSpec
from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.plan import ScriptError
from reelflow.services.api.http.create import (
    CreateRequest,
    _number,
    _read_upload,
    _text,
    content_type,
    job_options,
    json_object,
)
from reelflow.services.api.http.errors import HttpError, bad_field, from_job_error
from reelflow.services.api.http.models import ExtendVideo, RemixVideo, RetakeVideo, field_names
from reelflow.services.jobs.errors import bad_request
from reelflow.services.jobs.requests import EditRequest, JobRequest

# each body's documented fields; edits also take generate_audio, as creation does
_ACCEPTED = {
    kind: field_names(model) | {"generate_audio"}
    for kind, model in (("remix", RemixVideo), ("extend", ExtendVideo), ("retake", RetakeVideo))
}
# service field -> HTTP field
PARAMS = {
    "edit.source_job_id": "video",
    "edit.source_mp4": "video",
    "edit.start_s": "start_seconds",
    "edit.end_s": "end_seconds",
    "edit.seconds": "seconds",
    "edit.strength": "strength",
    "edit.video": "regenerate",
    "steps": "num_inference_steps",
    "guidance": "guidance_scale",
}
_REGENERATE = {"both": (True, True), "video": (True, False), "audio": (False, True)}


async def _fields(request: Request, limits: Limits) -> tuple[dict, bytes | None]:
    kind = content_type(request)
    if kind == "application/json":
        fields = await json_object(request)
        video = fields.pop("video", None)
        if video is not None:
            if not isinstance(video, dict) or set(video) != {"id"}:
                raise bad_field("video", 'video must be {"id": "<video id>"} (or an upload)')
            fields["video"] = video["id"]
        return fields, None
    if kind not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise HttpError(
            415, "send application/json or multipart/form-data", code="unsupported_media_type"
        )
    form = await request.form(max_files=1, max_part_size=limits.max_file_bytes + 1024)
    fields, upload = {}, None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name != "video":
                raise bad_field(name, f"{name!r}: only `video` may be an upload")
            upload = await _read_upload("video", value, limits)
        elif name == "video[id]":
            fields["video"] = value
        else:
            fields[name] = value
    return fields, upload


async def parse_edit(
    request: Request, kind: str, limits: Limits, video_id: str | None = None
) -> CreateRequest:
    fields, upload = await _fields(request, limits)
    unknown = sorted(set(fields) - _ACCEPTED[kind])
    if unknown:
        raise bad_field(unknown[0], f"unknown parameter {unknown[0]!r}", "unknown_parameter")
    params = dict(PARAMS)
    source_job_id = source_mp4 = None
    if video_id is not None:  # remix: the source is the path's video
        source_job_id = video_id
        params["edit.source_job_id"] = "video_id"
    elif upload is not None:
        if "video" in fields:
            raise bad_field("video", "give the video as an id or an upload, not both")
        source_mp4 = upload
    else:
        source_job_id = _text(fields, "video")
        if not source_job_id:
            raise bad_field(
                "video", "video is required: {id} or an MP4 upload", "missing_required_parameter"
            )
    prompt = _text(fields, "prompt") or ""
    spec = {"kind": kind}
    if kind == "remix":
        strength = _number(fields, "strength", float, 0.0)
        spec["strength"] = DEFAULT_STRENGTH if strength is None else strength
        if not prompt.strip():
            raise bad_field("prompt", "prompt is required", "missing_required_parameter")
    elif kind == "extend":
        seconds = _number(fields, "seconds", float, 0.0)
        if seconds is None:
            raise bad_field("seconds", "seconds is required", "missing_required_parameter")
        at = _text(fields, "at") or "end"
        if at not in ("end", "start"):
            raise bad_field("at", 'at must be "end" or "start"')
        spec.update(seconds=seconds, at_start=at == "start")
    else:
        regenerate = _text(fields, "regenerate") or "both"
        if regenerate not in _REGENERATE:
            raise bad_field("regenerate", 'regenerate must be "both", "video" or "audio"')
        video, audio = _REGENERATE[regenerate]
        spec.update(
            start_s=_number(fields, "start_seconds", float, 0.0) or 0.0,
            end_s=_number(fields, "end_seconds", float, 0.0) or 0.0,
            video=video,
            audio=audio,
        )
    generation = GenerationRequest(
        prompt=prompt,
        seed=_number(fields, "seed", int, 0),
        steps=_number(fields, "num_inference_steps", int, 1),
        guidance=_number(fields, "guidance_scale", float, 1.0),
        negative_prompt=_text(fields, "negative_prompt") or "",
    )
    options = job_options(fields)
    try:
        edit = EditRequest(EditSpec(**spec), source_job_id, source_mp4)
    except ScriptError as error:
        raise from_job_error(bad_request(error), params) from None
    request = JobRequest(generation, edit, options)
    return CreateRequest(request, _text(fields, "request_id") or "", params)
