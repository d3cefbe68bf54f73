"""POST /v1/videos bodies (JSON or multipart/form-data, as the openai SDK sends) checked and
turned into the job service's JobRequest. Everything about the video itself (the script,
sizes, durations, references) is checked once, by the job service, as for gRPC; this module
checks the HTTP shape and knows which HTTP field each service field came from, so an error
names the field the client sent."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from reelflow.pipeline.generation.request import GenerationRequest
from reelflow.pipeline.script.limits import Limits
from reelflow.services.api.http.errors import HttpError, bad_field
from reelflow.services.api.http.models import CreateVideo, field_names
from reelflow.services.jobs.requests import JobOptions, JobRequest

MODEL_ALIASES = re.compile(r"sora-2(-pro)?(-\d{4}-\d{2}-\d{2})?")  # accepted as the default model
_SIZE = re.compile(r"([1-9][0-9]{0,4})x([1-9][0-9]{0,4})")
_REFERENCE = re.compile(r"(image|video|audio)[1-9][0-9]?")
_DATA_URL = re.compile(r"data:[\w.+-]+/[\w.+-]+(;[\w.+-]+=[\w.+-]+)*;base64,(?P<data>.*)", re.S)
# the body's documented fields, and named uploads as JSON data: URLs
_FIELDS = field_names(CreateVideo) | {"references"}
# service field -> HTTP field, for errors the job service raises
PARAMS = {
    "duration": "seconds",
    "steps": "num_inference_steps",
    "guidance": "guidance_scale",
    "references[image1]": "input_reference",
}


@dataclass(frozen=True)
class CreateRequest:
    request: JobRequest
    request_id: str
    params: Mapping[str, str] = field(default_factory=dict)


async def read_body(request: Request, most: int) -> Request:
    """The request with its body read, or 413 past `most` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > most:
        raise HttpError(413, f"the request is over {most} bytes", code="request_too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise HttpError(413, f"the request is over {most} bytes", code="request_too_large")
        chunks.append(chunk)
    body = b"".join(chunks)

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, replay)


def content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def json_object(request: Request) -> dict:
    """The body as a JSON object, or a 400 saying why not."""
    try:
        raw = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise bad_field("", "the body is not valid JSON") from None
    if not isinstance(raw, dict):
        raise bad_field("", "the body must be a JSON object")
    return raw


async def parse_create(request: Request, limits: Limits, model_id: str) -> CreateRequest:
    kind = content_type(request)
    if kind == "application/json":
        fields, files = _from_json(await json_object(request), limits)
    elif kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data_url_bytes = limits.max_file_bytes * 4 // 3 + 1024
        form = await request.form(max_files=limits.max_references + 1, max_part_size=data_url_bytes)
        fields, files = {}, {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[name] = await _read_upload(name, value, limits)
            elif name == "input_reference[image_url]":
                files["input_reference"] = _data_url(value, "input_reference", limits)
            elif name == "input_reference[file_id]":
                raise bad_field("input_reference", "file ids are not supported; upload the file")
            else:
                fields[name] = value
    else:
        raise HttpError(
            415, "send application/json or multipart/form-data", code="unsupported_media_type"
        )
    return _build(fields, files, model_id)


async def _read_upload(name: str, upload: UploadFile, limits: Limits) -> bytes:
    return _within_limit(await upload.read(limits.max_file_bytes + 1), name, limits)


def _data_url(value: Any, name: str, limits: Limits) -> bytes:
    if not isinstance(value, str):
        raise bad_field(name, f"{name} must be a data: URL")
    match = _DATA_URL.fullmatch(value.strip())
    if match is None:  # fetching http(s) URLs would make the server call any address
        raise bad_field(name, f"{name} must be a base64 data: URL (data:image/png;base64,...)")
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        raise bad_field(name, f"{name}: the data: URL is not valid base64") from None
    return _within_limit(data, name, limits)


def _within_limit(data: bytes, name: str, limits: Limits) -> bytes:
    """An attachment over the per-file limit is a 413 naming the field."""
    if len(data) > limits.max_file_bytes:
        raise HttpError(
            413,
            f"{name}: the file is over {limits.max_file_bytes} bytes",
            param=name,
            code="file_too_large",
        )
    return data


def _from_json(raw: dict, limits: Limits) -> tuple[dict, dict]:
    fields, files = dict(raw), {}
    reference = fields.pop("input_reference", None)
    if reference is not None:
        if not isinstance(reference, dict) or set(reference) - {"image_url", "file_id"}:
            raise bad_field("input_reference", 'input_reference must be {"image_url": ...}')
        if "file_id" in reference:
            raise bad_field("input_reference", "file ids are not supported; send image_url")
        files["input_reference"] = _data_url(reference.get("image_url"), "input_reference", limits)
    references = fields.pop("references", None)
    if references is not None:
        if not isinstance(references, dict):
            raise bad_field("references", "references must map names like image2 to data: URLs")
        for name, url in references.items():
            files[str(name)] = _data_url(url, f"references.{name}", limits)
    return fields, files


def _text(fields: dict, name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_field(name, f"{name} must be a string")
    return value


def _number(fields: dict, name: str, kind: type, low: float) -> Any:
    value = fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = kind(value.strip())
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise bad_field(name, f"{name} must be {what}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_field(name, f"{name} must be a number")
    if kind is int and (isinstance(value, float) and not value.is_integer()):
        raise bad_field(name, f"{name} must be an integer")
    if not math.isfinite(value) or value < low:
        raise bad_field(name, f"{name} must be at least {low:g}")
    return kind(value)


def _flag(fields: dict, name: str) -> bool | None:
    value = fields.get(name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    raise bad_field(name, f"{name} must be true or false")


def _build(fields: dict, files: dict[str, bytes], model_id: str) -> CreateRequest:
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        raise bad_field(unknown[0], f"unknown parameter {unknown[0]!r}", "unknown_parameter")
    strange = sorted(
        name for name in files if name != "input_reference" and not _REFERENCE.fullmatch(name)
    )
    if strange:
        raise bad_field(strange[0], f"{strange[0]!r}: name uploads like image2, video1, audio1")
    prompt = _text(fields, "prompt")
    if prompt is None:
        raise bad_field("prompt", "prompt is required", "missing_required_parameter")
    model = _text(fields, "model")
    if model not in (None, "", model_id) and not MODEL_ALIASES.fullmatch(model):
        raise bad_field("model", f"unknown model {model!r}; GET /v1/models lists {model_id!r}")
    seconds = _number(fields, "seconds", float, 0.0)
    if seconds is not None and not 1 <= seconds <= 15:
        raise bad_field("seconds", f"seconds must be from 1 to 15, got {seconds:g}")
    width = height = None
    size = _text(fields, "size")
    if size:
        match = _SIZE.fullmatch(size.strip())
        if match is None:
            raise bad_field("size", f"size must be WIDTHxHEIGHT like 64x64, got {size!r}")
        width, height = int(match[1]), int(match[2])
    seed = _number(fields, "seed", int, 0)
    steps = _number(fields, "num_inference_steps", int, 1)
    guidance = _number(fields, "guidance_scale", float, 1.0)
    fps = _number(fields, "fps", int, 1)
    negative_prompt = _text(fields, "negative_prompt") or ""
    draft = bool(_flag(fields, "draft"))
    options = job_options(fields)
    params = dict(PARAMS)
    references, roles = {}, {}
    if "input_reference" in files:
        if "image1" in files:
            raise bad_field("image1", "input_reference is @image1; name other uploads image2...")
        references["image1"], roles["image1"] = files["input_reference"], "first_frame"
    else:
        params.pop("references[image1]")
    for name, data in files.items():
        if name != "input_reference":
            references[name] = data
    generation = GenerationRequest(
        prompt=prompt,
        duration_s=seconds or None,
        fps=fps or None,
        width=width,
        height=height,
        seed=seed,
        steps=steps or None,
        guidance=guidance or None,
        references=references,
        roles=roles,
        negative_prompt=negative_prompt,
        draft=draft,
    )
    request = JobRequest(generation, options=options)
    return CreateRequest(request, _text(fields, "request_id") or "", params)


def job_options(fields: dict) -> JobOptions:
    """The job fields every body shares (callback, previews, audio)."""
    audio = _flag(fields, "generate_audio")
    return JobOptions(
        preview_every=_number(fields, "preview_every", int, 0) or 0,
        callback_url=_text(fields, "callback_url") or "",
        generate_audio=True if audio is None else audio,
    )
