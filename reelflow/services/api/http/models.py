"""The OpenAI Videos API's objects as pydantic models: what the routes return, and what
/openapi.json documents."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["queued", "in_progress", "completed", "failed"]


class VideoError(BaseModel):
    code: str
    message: str


class Video(BaseModel):
    id: str
    object: Literal["video"] = "video"
    model: str
    prompt: str
    status: Status
    progress: int = Field(ge=0, le=100, description="percent, by denoising step")
    created_at: int
    completed_at: int | None = None
    expires_at: int | None = None
    seconds: str
    size: str
    error: VideoError | None = None
    remixed_from_video_id: str | None = None
    # ours, beyond OpenAI's fields
    job_state: str = Field(description="QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED")
    seed: int
    fps: int
    has_audio: bool
    source_video_id: str | None = Field(None, description="the video this one edits")
    edit: Literal["retake", "extend", "remix"] | None = None


class VideoList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Video]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool


class VideoDeleted(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool = True


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "reelflow"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class InputReference(BaseModel):
    image_url: str = Field(description="a data: URL (data:image/png;base64,...)")


class JobFields(BaseModel):
    """What every POST body shares (create, remix, extend, retake): the prompt, declared again
    by each body with its own meaning, and the sampling and job options. JSON bodies stay flat:
    these fields sit next to the body's own."""

    prompt: str | None = None
    seed: int | None = None
    num_inference_steps: int | None = None
    guidance_scale: float | None = None
    negative_prompt: str | None = None
    preview_every: int | None = None
    callback_url: str | None = None
    request_id: str | None = None

    model_config = {"extra": "forbid"}


class CreateVideo(JobFields):
    """POST /v1/videos as JSON; multipart/form-data takes the same fields, files as uploads."""

    prompt: str = Field(description="the script: shots like [0-2s] ..., @image1 references")
    model: str | None = None
    seconds: str | float | None = Field(None, description="1 to 15")
    size: str | None = Field(None, description="WIDTHxHEIGHT, e.g. 64x64")
    input_reference: InputReference | None = Field(
        None, description="an image: becomes @image1 with the first_frame role"
    )
    fps: int | None = None
    generate_audio: bool | None = None
    draft: bool | None = None
    # documented here only (the edit bodies' schemas show these three bare)
    preview_every: int | None = Field(
        None, description="a preview sprite every this many steps (content variant=preview)"
    )
    callback_url: str | None = Field(None, description="receives signed state-change webhooks")
    request_id: str | None = Field(None, description="idempotency key (per API key)")


class VideoRef(BaseModel):
    id: str = Field(description="a completed video of this key")


class RemixVideo(JobFields):
    """POST /v1/videos/{id}/remix: the clip again from its own latents noised to `strength`
    (SDEdit), following the new prompt."""

    prompt: str
    strength: float | None = Field(None, description="0 returns the source, 1 is a fresh clip")


class ExtendVideo(JobFields):
    """POST /v1/videos/extensions as JSON (multipart takes the same, `video` as an upload)."""

    prompt: str | None = Field(None, description="the new seconds; empty: the clip goes on")
    seconds: str | float = Field(description="seconds to add")
    video: VideoRef
    at: Literal["end", "start"] | None = None


class RetakeVideo(JobFields):
    """POST /v1/videos/edits: a retake of [start_seconds, end_seconds) of the video, the rest
    kept (JSON; multipart takes the same, `video` as an upload)."""

    prompt: str | None = Field(None, description="the span's new text; empty: the source's")
    video: VideoRef
    start_seconds: str | float | None = Field(None, description="default 0")
    end_seconds: str | float | None = Field(None, description="default: the end")
    regenerate: Literal["both", "video", "audio"] | None = None


def field_names(model: type[BaseModel]) -> frozenset[str]:
    """The top-level JSON field names `model` accepts (its own and JobFields'): what a body
    parser checks for unknown parameters."""
    return frozenset(model.model_fields)


def multipart_schema(model: type[BaseModel], binary_fields: Collection[str] = ()) -> dict:
    """The multipart/form-data schema of `model`'s fields: each field's first non-null JSON
    type, without titles or descriptions; `binary_fields` as file uploads."""
    schema = model.model_json_schema()
    properties = {}
    for name, field in schema["properties"].items():
        if name in binary_fields:
            properties[name] = {"type": "string", "format": "binary"}
            continue
        types = [option.get("type") for option in field.get("anyOf", [field])]
        types = [kind for kind in types if kind not in (None, "null")]
        if not types:
            raise ValueError(f"{model.__name__}.{name} has no form type: name it in binary_fields")
        properties[name] = {"type": types[0]}
    required = {"required": schema["required"]} if schema.get("required") else {}
    return {"type": "object", **required, "properties": properties}
