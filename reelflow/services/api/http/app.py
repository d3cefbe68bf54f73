"""The FastAPI app of the OpenAI-compatible Videos API over a JobService. The same app is the
Orchestrator's HTTP ingress on Ray Serve (`@serve.ingress`, port 8000) and is served by uvicorn
next to the embedded gRPC server; both share the job store and API keys with gRPC."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from fastapi import FastAPI, Query, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from reelflow.pipeline.generation.request import limits_for
from reelflow.services import metrics
from reelflow.services.api.http import content
from reelflow.services.api.http.create import MODEL_ALIASES, parse_create, read_body
from reelflow.services.api.http.edits import parse_edit
from reelflow.services.api.http.errors import HttpError, bad_field, from_job_error, install
from reelflow.services.api.http.models import (
    CreateVideo,
    ErrorResponse,
    ExtendVideo,
    Model,
    ModelList,
    RemixVideo,
    RetakeVideo,
    Video,
    VideoDeleted,
    VideoList,
    multipart_schema,
)
from reelflow.services.api.http.videos import poll_after_ms, to_video
from reelflow.services.jobs.errors import JobError
from reelflow.services.jobs.records import JOB_ID, JobState
from reelflow.services.jobs.service import JobService

_ERRORS = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "a bad field (`param` names it)",
        401: "missing or unknown API key",
        403: "a read-only key",
        404: "no such video (or another key's)",
        409: "the video is not ready",
        413: "an upload over the size limit",
        416: "a range outside the file",
        429: "the queue or the key's quota is full (see Retry-After)",
    }.items()
}
_MULTIPART = multipart_schema(CreateVideo, binary_fields={"input_reference"})
_CONTENT_TYPES = {
    "video": "video/mp4",
    "thumbnail": "image/webp",
    "spritesheet": "image/jpeg",
    "preview": "image/jpeg",
}


def _metadata(request: Request) -> list[tuple[str, str]]:
    header = request.headers.get("authorization")
    return [] if header is None else [("authorization", header)]


def _check_id(video_id: str) -> None:
    if not JOB_ID.fullmatch(video_id):  # never a job id: it exists for nobody
        raise HttpError(404, f"no video {video_id!r}", code="not_found")


def build_http_app(service: JobService, max_request_bytes: int) -> FastAPI:
    defaults = service.family or service.preset  # what a queued job's video shows
    model_id = service.model_id
    limits = limits_for(service.preset)
    started = int(time.time())
    app = FastAPI(
        title="reelflow Videos API",
        version="1",
        description="OpenAI-compatible /v1/videos over reelflow's job service.",
        docs_url=None,
        redoc_url=None,
    )
    install(app)

    def openapi() -> dict:
        # FastAPI documents 422 for every route with parameters; this API answers bad input
        # with an OpenAI-shaped 400 instead (errors.install), so the document says that.
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, routes=app.routes)
            for path in document["paths"].values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                document.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi

    @app.middleware("http")
    async def count(request: Request, call_next) -> Response:
        began = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "other")
        metrics.record_http(route, response.status_code, time.perf_counter() - began)
        return response

    async def video(job_id: str, request: Request) -> Video:
        return to_video(await service.get(job_id, _metadata(request)), defaults, model_id)

    @app.post(
        "/v1/videos",
        response_model=Video,
        responses=_ERRORS,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": CreateVideo.model_json_schema()},
                    "multipart/form-data": {"schema": _MULTIPART},
                },
            }
        },
    )
    async def create_video(request: Request) -> Video:
        request = await read_body(request, max_request_bytes)
        create = await parse_create(request, limits, model_id)
        request_id = create.request_id or request.headers.get("idempotency-key", "")
        try:
            job = await service.submit(create.request, _metadata(request), request_id)
        except JobError as error:
            raise from_job_error(error, create.params) from None
        return await video(job.job_id, request)

    @app.get("/v1/videos", response_model=VideoList, responses=_ERRORS)
    async def list_videos(
        request: Request,
        after: str | None = None,
        limit: int = Query(20, ge=1, le=100),
        order: Literal["asc", "desc"] = "desc",
    ) -> VideoList:
        who = service.authenticate(_metadata(request))
        before = None
        if after:
            if not JOB_ID.fullmatch(after):
                raise bad_field("after", "after must be the id of a video in the last page")
            seen = await service.get(after, _metadata(request))
            before = (seen.created_at, seen.job_id)
        jobs = await asyncio.to_thread(
            service.store.list, who.name, (), limit + 1, before, order == "asc"
        )
        data = [to_video(job, defaults, model_id) for job in jobs[:limit]]
        return VideoList(
            data=data,
            first_id=data[0].id if data else None,
            last_id=data[-1].id if data else None,
            has_more=len(jobs) > limit,
        )

    @app.get("/v1/videos/{video_id}", response_model=Video, responses=_ERRORS)
    async def retrieve_video(video_id: str, request: Request) -> JSONResponse:
        _check_id(video_id)
        job = await service.get(video_id, _metadata(request))
        return JSONResponse(
            to_video(job, defaults, model_id).model_dump(mode="json"),
            headers={"openai-poll-after-ms": str(poll_after_ms(job))},
        )

    @app.delete("/v1/videos/{video_id}", response_model=VideoDeleted, responses=_ERRORS)
    async def delete_video(video_id: str, request: Request) -> VideoDeleted:
        _check_id(video_id)
        await service.delete(video_id, _metadata(request))
        return VideoDeleted(id=video_id)

    @app.get(
        "/v1/videos/{video_id}/content",
        responses={
            **_ERRORS,
            200: {"content": {kind: {} for kind in _CONTENT_TYPES.values()}},
            206: {"description": "the requested byte range of the MP4"},
        },
        response_class=Response,
    )
    async def download_content(
        video_id: str,
        request: Request,
        variant: Literal["video", "thumbnail", "spritesheet", "preview"] = "video",
    ) -> Response:
        _check_id(video_id)
        job = await service.get(video_id, _metadata(request))
        if variant == "preview":  # while it denoises: the latest x0 estimate as a sprite
            preview = await service.preview(job)
            if preview is None:
                raise HttpError(409, f"video {video_id} has no preview now", code="no_preview")
            headers = {"x-preview-step": str(preview.step), "x-preview-frames": str(preview.frames)}
            return Response(preview.jpeg, media_type="image/jpeg", headers=headers)
        if job.state != JobState.SUCCEEDED:
            raise HttpError(409, f"video {video_id} is {job.state}; no content", code="not_ready")
        mp4 = await asyncio.to_thread(service.store.get_artifact, video_id, ".mp4")
        if mp4 is None:
            raise HttpError(404, f"the content of video {video_id} has expired", code="expired")
        kind = _CONTENT_TYPES[variant]
        if variant == "thumbnail":
            return Response(await asyncio.to_thread(content.thumbnail_webp, mp4), media_type=kind)
        if variant == "spritesheet":
            return Response(await asyncio.to_thread(content.spritesheet_jpeg, mp4), media_type=kind)
        span = content.byte_range(request.headers.get("range"), len(mp4))
        headers = {"Accept-Ranges": "bytes"}
        if span is None:
            return Response(mp4, media_type=kind, headers=headers)
        headers["Content-Range"] = span.header(len(mp4))
        return Response(
            mp4[span.start : span.end + 1], status_code=206, media_type=kind, headers=headers
        )

    async def submit_edit(request: Request, kind: str, video_id: str | None = None) -> Video:
        service.authenticate(_metadata(request))
        request = await read_body(request, max_request_bytes)
        edit = await parse_edit(request, kind, limits, video_id)
        request_id = edit.request_id or request.headers.get("idempotency-key", "")
        try:
            job = await service.submit(edit.request, _metadata(request), request_id)
        except JobError as error:
            raise from_job_error(error, edit.params) from None
        return await video(job.job_id, request)

    def body(model, multipart: bool) -> dict:
        content = {"application/json": {"schema": model.model_json_schema()}}
        if multipart:
            schema = model.model_json_schema()
            schema["properties"]["video"] = {"type": "string", "format": "binary"}
            content["multipart/form-data"] = {"schema": schema}
        return {"requestBody": {"required": True, "content": content}}

    @app.post(
        "/v1/videos/{video_id}/remix",
        response_model=Video,
        responses=_ERRORS,
        openapi_extra=body(RemixVideo, multipart=False),
    )
    async def remix_video(video_id: str, request: Request) -> Video:
        _check_id(video_id)
        return await submit_edit(request, "remix", video_id)

    @app.post(
        "/v1/videos/extensions",
        response_model=Video,
        responses=_ERRORS,
        openapi_extra=body(ExtendVideo, multipart=True),
    )
    async def extend_video(request: Request) -> Video:
        return await submit_edit(request, "extend")

    @app.post(
        "/v1/videos/edits",
        response_model=Video,
        responses=_ERRORS,
        openapi_extra=body(RetakeVideo, multipart=True),
    )
    async def edit_video(request: Request) -> Video:
        """A retake: regenerate a time span of the video (its picture, sound or both)."""
        return await submit_edit(request, "retake")

    @app.get("/v1/models", response_model=ModelList, responses=_ERRORS)
    async def list_models(request: Request) -> ModelList:
        service.authenticate(_metadata(request))
        return ModelList(data=[Model(id=model_id, created=started)])

    @app.get("/v1/models/{model}", response_model=Model, responses=_ERRORS)
    async def retrieve_model(model: str, request: Request) -> Model:
        service.authenticate(_metadata(request))
        if model != model_id and not MODEL_ALIASES.fullmatch(model):
            raise HttpError(404, f"no model {model!r}", code="model_not_found")
        return Model(id=model_id, created=started)

    return app
