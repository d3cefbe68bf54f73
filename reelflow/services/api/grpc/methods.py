"""The VideoGeneration methods in protobuf over the job service, for the two servers that host
them (handlers.py): each takes the request message and the call's metadata and returns (or
streams) response messages; failures are JobErrors."""

from __future__ import annotations

from collections.abc import AsyncIterator

from reelflow.pipeline.generation.schedule import Progress
from reelflow.pipeline.script.plan import ScriptError
from reelflow.services.api.grpc.jobs import (
    STATE_OF,
    capabilities,
    job_to_proto,
    preview_to_proto,
    video_fields,
)
from reelflow.services.api.grpc.messages import job_request_from_proto
from reelflow.services.jobs import errors
from reelflow.services.jobs.requests import JobRequest
from reelflow.services.jobs.service import Accepted, Finished, JobService, Metadata
from reelflow.v1 import generation_pb2

DEFAULT_CHUNK, MAX_CHUNK = 1 << 20, 4 << 20


def _job_request(message: generation_pb2.GenerateRequest) -> JobRequest:
    try:
        return job_request_from_proto(message)
    except ScriptError as error:
        raise errors.bad_request(error) from None


class VideoGenerationMethods:
    def __init__(self, service: JobService):
        self.service = service

    async def submit_job(
        self, message: generation_pb2.SubmitJobRequest, metadata: Metadata
    ) -> generation_pb2.Job:
        request = _job_request(message.request)
        return job_to_proto(await self.service.submit(request, metadata, message.request_id))

    async def get_job(
        self, message: generation_pb2.GetJobRequest, metadata: Metadata
    ) -> generation_pb2.Job:
        return job_to_proto(await self.service.get(message.job_id, metadata))

    async def cancel_job(
        self, message: generation_pb2.CancelJobRequest, metadata: Metadata
    ) -> generation_pb2.Job:
        return job_to_proto(await self.service.cancel(message.job_id, metadata))

    async def list_jobs(
        self, message: generation_pb2.ListJobsRequest, metadata: Metadata
    ) -> generation_pb2.ListJobsResponse:
        try:
            states = tuple(STATE_OF[s] for s in message.states)
        except KeyError:
            raise errors.bad_field("states", "unknown job state") from None
        page = await self.service.list(metadata, states, message.page_size, message.page_token)
        return generation_pb2.ListJobsResponse(
            jobs=[job_to_proto(j) for j in page.jobs], next_page_token=page.next_page_token
        )

    async def get_capabilities(
        self, message: generation_pb2.GetCapabilitiesRequest, metadata: Metadata
    ) -> generation_pb2.Capabilities:
        who = self.service.authenticate(metadata)
        service = self.service
        return capabilities(
            service.preset, service.settings, who.max_active_jobs, service.trained, service.family
        )

    async def watch_job(
        self, message: generation_pb2.WatchJobRequest, metadata: Metadata
    ) -> AsyncIterator[generation_pb2.Job]:
        last = None
        async for view in self.service.watch(message.job_id, metadata):
            current = job_to_proto(view.job)
            if view.preview is not None:
                current.preview.CopyFrom(preview_to_proto(view.preview))
            if current != last:
                yield current
                last = current

    async def fetch_video(
        self, message: generation_pb2.FetchVideoRequest, metadata: Metadata
    ) -> AsyncIterator[generation_pb2.VideoChunk]:
        chunk = message.chunk_bytes or DEFAULT_CHUNK
        png = message.artifact == generation_pb2.ARTIFACT_LAST_FRAME_PNG
        if not 1 <= chunk <= MAX_CHUNK:
            raise errors.bad_field("chunk_bytes", f"chunk_bytes must be between 1 and {MAX_CHUNK}")
        data = await self.service.artifact(message.job_id, metadata, last_frame=png)
        if not 0 <= message.offset <= len(data):
            raise errors.bad_field("offset", f"offset must be between 0 and {len(data)}")
        content_type = "image/png" if png else "video/mp4"
        for start in range(message.offset, len(data), chunk):
            yield generation_pb2.VideoChunk(
                data=data[start : start + chunk],
                offset=start,
                total_bytes=len(data),
                content_type=content_type,
            )

    async def generate(
        self, message: generation_pb2.GenerateRequest, metadata: Metadata
    ) -> AsyncIterator[generation_pb2.GenerateEvent]:
        events = self.service.generate(_job_request(message), metadata)
        try:
            async for event in events:
                yield _event(event)
        finally:
            await events.aclose()


def _event(event: Accepted | Progress | Finished) -> generation_pb2.GenerateEvent:
    if isinstance(event, Accepted):
        job = event.job
        accepted = generation_pb2.Accepted(
            job_id=job.job_id, num_frames=job.num_frames, num_shots=job.num_shots, seed=job.seed
        )
        return generation_pb2.GenerateEvent(accepted=accepted)
    if isinstance(event, Progress):
        progress = generation_pb2.Progress(
            stage=event.stage, step=event.step, total=event.total, elapsed_s=event.elapsed_s
        )
        return generation_pb2.GenerateEvent(progress=progress)
    result = generation_pb2.VideoResult(mp4=event.mp4, **video_fields(event.job.video))
    return generation_pb2.GenerateEvent(result=result)
