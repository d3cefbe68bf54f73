"""The public API's methods over the job machinery, independent of the transport. Each method
takes the request message and the call's metadata and returns (or streams) response messages;
failures are ApiError, which the Serve Orchestrator and the embedded server turn into statuses.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Iterable

import grpc

from reelflow.pipeline.editing.prepare import PreparedEdit, prepare_edit, upload_meta
from reelflow.pipeline.editing.source import probe_upload
from reelflow.pipeline.generation.preview import MAX_PREVIEW_EVERY
from reelflow.pipeline.generation.request import limits_for, prepare
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import ScriptError
from reelflow.services import metrics
from reelflow.services.api.messages import request_from_proto
from reelflow.services.jobs import errors
from reelflow.services.jobs.auth import ApiKeys, Principal
from reelflow.services.jobs.convert import STATE_OF, capabilities, job_to_proto
from reelflow.services.jobs.editing import previews
from reelflow.services.jobs.editing.sources import (
    FIXED_BY_SOURCE,
    LATENTS,
    SOURCE,
    edit_of,
    source_meta,
    spec_from_proto,
)
from reelflow.services.jobs.records import JOB_ID, JobRecord, JobState
from reelflow.services.jobs.runner import JobRunner
from reelflow.services.jobs.settings import JobSettings, WebhookSettings
from reelflow.services.jobs.store import JobStore, QueueFull, QuotaExceeded, RequestIdReused
from reelflow.services.jobs.webhooks.targets import check_callback_url
from reelflow.v1 import generation_pb2

Metadata = Iterable[tuple[str, str | bytes]]
MAX_REQUEST_ID = 128
DEFAULT_CHUNK, MAX_CHUNK = 1 << 20, 4 << 20
DEFAULT_PAGE, MAX_PAGE = 50, 500
_WATCH_POLL_S = 0.1


def _seconds(value: float, default: float, most: float, field: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise errors.bad_field(field, f"{field} must be a finite number >= 0, got {value}")
    if value > most:
        raise errors.bad_field(field, f"{field} must be at most {most:g}s, got {value:g}")
    return value or default


class JobService:
    def __init__(
        self,
        store: JobStore,
        runner: JobRunner,
        keys: ApiKeys,
        settings: JobSettings,
        preset: Preset,
        trained: bool,
        webhooks: WebhookSettings | None = None,
    ):
        self.store, self.runner, self.keys = store, runner, keys
        self.settings, self.preset, self.trained = settings, preset, trained
        self.webhooks = webhooks or WebhookSettings()

    # -- helpers -----------------------------------------------------------------------------

    async def _owned(self, job_id: str, who: Principal) -> JobRecord:
        if not JOB_ID.fullmatch(job_id):
            raise errors.bad_field("job_id", "job_id must be 32 lowercase hex digits")
        job = await asyncio.to_thread(self.store.get, job_id)
        if job is None or job.owner != who.name:  # another key's job does not exist for you
            raise errors.not_found(job_id)
        return job

    def _retry_after(self, queued: int) -> float:
        mean = self.store.mean_run_seconds() or 10.0
        return min(60.0, max(1.0, mean * queued / max(1, self.settings.workers)))

    async def _create(
        self, request: generation_pb2.GenerateRequest, who: Principal, request_id: str, affinity
    ) -> tuple[JobRecord, bool]:
        try:
            job, created = await self._admit(request, who, request_id, affinity)
        except errors.ApiError:
            metrics.record_job("rejected")
            raise
        if created:
            metrics.record_job("queued")
            self.runner.wake()
        return job, created

    async def _admit(
        self, request: generation_pb2.GenerateRequest, who: Principal, request_id: str, affinity
    ) -> tuple[JobRecord, bool]:
        who.require_write()
        if len(request_id) > MAX_REQUEST_ID or not request_id.isprintable():
            raise errors.bad_field("request_id", f"up to {MAX_REQUEST_ID} printable characters")
        if request.priority not in generation_pb2.Priority.values():
            raise errors.bad_field("priority", f"unknown priority {request.priority}")
        settings = self.settings
        queue_timeout = _seconds(
            request.queue_timeout_s,
            settings.default_queue_timeout_s,
            settings.max_queue_timeout_s,
            "queue_timeout_s",
        )
        deadline = _seconds(
            request.deadline_s, settings.default_deadline_s, settings.max_deadline_s, "deadline_s"
        )
        if not 0 <= request.preview_every <= MAX_PREVIEW_EVERY:
            raise errors.bad_field(
                "preview_every", f"preview_every must be from 0 to {MAX_PREVIEW_EVERY} steps"
            )
        source = None  # an edit's source latents, stored with the job before it can run
        try:
            callback_url = check_callback_url(request.callback_url, self.webhooks)
            if edit_of(request) is None:
                prepared = await asyncio.to_thread(
                    prepare, request_from_proto(request), self.preset
                )
            else:
                prepared, source = await self._prepare_edit(request, who)
        except ScriptError as error:
            raise errors.bad_request(error) from None
        job = None
        request_hash = hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()
        fixed = generation_pb2.GenerateRequest()
        fixed.CopyFrom(request)
        fixed.seed = prepared.options.seed  # a restarted job makes the same video
        now = time.time()
        record = JobRecord(
            job_id=uuid.uuid4().hex,
            owner=who.name,
            request_id=request_id,
            request=fixed.SerializeToString(),
            priority=request.priority or generation_pb2.PRIORITY_NORMAL,
            state=JobState.QUEUED,
            created_at=now,
            queue_expires_at=now + queue_timeout,
            deadline_at=now + deadline,
            num_frames=prepared.plan.num_frames,
            num_shots=len(prepared.plan.shots),
            seed=prepared.options.seed,
        )
        if source is not None:
            await asyncio.to_thread(self.store.put_artifact, record.job_id, SOURCE, source)
        try:
            job, created = await asyncio.to_thread(
                self.store.submit,
                record,
                request_hash,
                settings.max_queued,
                who.max_active_jobs,
                affinity,
                callback_url,
            )
        except QueueFull as full:
            raise errors.overloaded(str(full), self._retry_after(full.queued)) from None
        except QuotaExceeded as quota:
            raise errors.overloaded(
                str(quota), self._retry_after(quota.active), quota_subject=f"key:{who.name}"
            ) from None
        except RequestIdReused:
            raise errors.ApiError(
                grpc.StatusCode.ALREADY_EXISTS,
                f"request_id {request_id!r} was used for a different request",
            ) from None
        finally:
            if source is not None and (job is None or job.job_id != record.job_id):
                await asyncio.to_thread(self.store.delete_artifacts, [record.job_id], (SOURCE,))
        return job, created

    async def _prepare_edit(
        self, request: generation_pb2.GenerateRequest, who: Principal
    ) -> tuple[PreparedEdit, bytes | None]:
        """Check an edit against its source; the source's latents when it ran here (an
        upload is encoded when the edit runs). ScriptError naming the field."""
        edit = request.edit
        for name in FIXED_BY_SOURCE:
            value = getattr(request, name)
            if value:
                raise ScriptError(name, f"an edit takes {name} from its source; leave it unset")
        spec = spec_from_proto(edit)
        data = None
        if edit.HasField("source_job_id"):
            field = "edit.source_job_id"
            if not JOB_ID.fullmatch(edit.source_job_id):
                raise ScriptError(field, "source_job_id must be 32 lowercase hex digits")
            source_job = await asyncio.to_thread(self.store.get, edit.source_job_id)
            if source_job is None or source_job.owner != who.name:
                raise ScriptError(field, f"no job {edit.source_job_id}")
            if source_job.state != JobState.SUCCEEDED:
                raise ScriptError(field, f"job {source_job.job_id} is {source_job.state}")
            data = await asyncio.to_thread(self.store.get_artifact, source_job.job_id, LATENTS)
            if data is None:
                why = "has expired" if not source_job.video_available else "were not kept"
                raise ScriptError(
                    field, f"the latents of job {source_job.job_id} {why}; upload its MP4"
                )
            meta = source_meta(data)
        elif edit.HasField("source_mp4"):
            seconds = await asyncio.to_thread(
                probe_upload, edit.source_mp4, limits_for(self.preset), self.settings.max_extended_s
            )
            meta = upload_meta(seconds, self.preset, request.prompt)
        else:
            raise ScriptError("edit.source_job_id", "an edit needs source_job_id or source_mp4")
        prepared = await asyncio.to_thread(
            prepare_edit,
            request_from_proto(request),
            spec,
            meta,
            self.preset,
            self.settings.max_extended_s,
        )
        return prepared, data

    # -- for the HTTP API, which shows more of a job than the Job message ---------------------

    async def record(self, job_id: str, metadata: Metadata) -> JobRecord:
        return await self._owned(job_id, self.keys.authenticate(metadata))

    async def delete_job(self, job_id: str, metadata: Metadata) -> JobRecord:
        """Cancel the job (it stops within one step), then forget it and its files."""
        who = self.keys.authenticate(metadata)
        who.require_write()
        job = await self._owned(job_id, who)
        await self.cancel_job(generation_pb2.CancelJobRequest(job_id=job_id), metadata)
        await asyncio.to_thread(self.store.delete, job_id)
        return job

    # -- unary methods -----------------------------------------------------------------------

    async def submit_job(
        self, message: generation_pb2.SubmitJobRequest, metadata: Metadata
    ) -> generation_pb2.Job:
        who = self.keys.authenticate(metadata)
        job, _ = await self._create(message.request, who, message.request_id, None)
        return job_to_proto(job)

    async def get_job(
        self, message: generation_pb2.GetJobRequest, metadata: Metadata
    ) -> generation_pb2.Job:
        return job_to_proto(await self._owned(message.job_id, self.keys.authenticate(metadata)))

    async def cancel_job(
        self, message: generation_pb2.CancelJobRequest, metadata: Metadata
    ) -> generation_pb2.Job:
        who = self.keys.authenticate(metadata)
        who.require_write()
        before = await self._owned(message.job_id, who)
        job = await asyncio.to_thread(self.store.cancel, message.job_id, time.time())
        self.runner.cancel_local(message.job_id)
        self.runner.wake_webhooks()
        if not before.state.terminal and job.state == JobState.CANCELLED:
            metrics.record_job("cancelled")
            metrics.observe_job_seconds("cancelled", time.time() - job.created_at)
        return job_to_proto(job)

    async def list_jobs(
        self, message: generation_pb2.ListJobsRequest, metadata: Metadata
    ) -> generation_pb2.ListJobsResponse:
        who = self.keys.authenticate(metadata)
        size = message.page_size or DEFAULT_PAGE
        if not 1 <= size <= MAX_PAGE:
            raise errors.bad_field("page_size", f"page_size must be between 1 and {MAX_PAGE}")
        try:
            states = tuple(STATE_OF[s] for s in message.states)
        except KeyError:
            raise errors.bad_field("states", "unknown job state") from None
        before = None
        if message.page_token:
            try:
                created, _, job_id = base64.urlsafe_b64decode(message.page_token).partition(b"/")
                before = (float(created), job_id.decode())
            except (ValueError, UnicodeDecodeError):
                raise errors.bad_field("page_token", "not a token from ListJobs") from None
        jobs = await asyncio.to_thread(self.store.list, who.name, states, size + 1, before)
        token = ""
        if len(jobs) > size:
            jobs, last = jobs[:size], jobs[size - 1]
            token = base64.urlsafe_b64encode(f"{last.created_at!r}/{last.job_id}".encode())
            token = token.decode()
        return generation_pb2.ListJobsResponse(
            jobs=[job_to_proto(j) for j in jobs], next_page_token=token
        )

    async def get_capabilities(
        self, message: generation_pb2.GetCapabilitiesRequest, metadata: Metadata
    ) -> generation_pb2.Capabilities:
        who = self.keys.authenticate(metadata)
        return capabilities(self.preset, self.settings, who.max_active_jobs, self.trained)

    # -- streams -----------------------------------------------------------------------------

    async def watch_job(
        self, message: generation_pb2.WatchJobRequest, metadata: Metadata
    ) -> AsyncIterator[generation_pb2.Job]:
        who = self.keys.authenticate(metadata)
        job = await self._owned(message.job_id, who)
        wants_preview = generation_pb2.GenerateRequest.FromString(job.request).preview_every > 0
        last = None
        while True:
            current = job_to_proto(job)
            if wants_preview and job.state == JobState.RUNNING:
                data = await asyncio.to_thread(
                    self.store.get_artifact, job.job_id, previews.PREVIEW
                )
                if data is not None:
                    current.preview.CopyFrom(previews.unpack(data))
            if current != last:
                yield current
                last = current
            if job.state.terminal:
                return
            await asyncio.sleep(_WATCH_POLL_S)
            job = await asyncio.to_thread(self.store.get, message.job_id)
            if job is None:
                raise errors.not_found(message.job_id)

    async def fetch_video(
        self, message: generation_pb2.FetchVideoRequest, metadata: Metadata
    ) -> AsyncIterator[generation_pb2.VideoChunk]:
        job = await self._owned(message.job_id, self.keys.authenticate(metadata))
        chunk = message.chunk_bytes or DEFAULT_CHUNK
        if not 1 <= chunk <= MAX_CHUNK:
            raise errors.bad_field("chunk_bytes", f"chunk_bytes must be between 1 and {MAX_CHUNK}")
        if job.state != JobState.SUCCEEDED:
            raise errors.ApiError(
                grpc.StatusCode.FAILED_PRECONDITION, f"job {job.job_id} is {job.state}, no video"
            )
        png = message.artifact == generation_pb2.ARTIFACT_LAST_FRAME_PNG
        if png and not job.video.has_last_frame:
            raise errors.ApiError(
                grpc.StatusCode.FAILED_PRECONDITION, "the job did not ask for return_last_frame"
            )
        data = await asyncio.to_thread(
            self.store.get_artifact, job.job_id, ".png" if png else ".mp4"
        )
        if data is None:
            raise errors.ApiError(
                grpc.StatusCode.NOT_FOUND, f"the video of job {job.job_id} has expired"
            )
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
        """One call: a job run by this process's runner, streamed; leaving cancels it."""
        who = self.keys.authenticate(metadata)
        job, _ = await self._create(message, who, "", affinity=self.runner.worker_id)
        job_id = job.job_id
        events = self.runner.subscribe(job_id)
        finished = False
        try:
            yield generation_pb2.GenerateEvent(
                accepted=generation_pb2.Accepted(
                    job_id=job.job_id,
                    num_frames=job.num_frames,
                    num_shots=job.num_shots,
                    seed=job.seed,
                )
            )
            while True:
                try:
                    event = await asyncio.wait_for(events.get(), 1.0)
                except TimeoutError:  # ended without running here (expired, cancelled)?
                    job = await asyncio.to_thread(self.store.get, job_id)
                    if job is None or job.state.terminal:
                        break
                    continue
                if event is None:
                    break
                yield generation_pb2.GenerateEvent(
                    progress=generation_pb2.Progress(
                        stage=event.stage,
                        step=event.step,
                        total=event.total,
                        elapsed_s=event.elapsed_s,
                    )
                )
            job = await asyncio.to_thread(self.store.get, job_id)
            finished = True
            if job is None:
                raise errors.not_found(job_id)
            if job.state != JobState.SUCCEEDED:
                code = errors.status_code(job.failure_code)
                raise errors.ApiError(code, f"job {job.job_id} {job.state}: {job.failure_reason}")
            mp4 = await asyncio.to_thread(self.store.get_artifact, job.job_id, ".mp4")
            if mp4 is None:
                raise errors.ApiError(
                    grpc.StatusCode.NOT_FOUND, f"the video of job {job.job_id} has expired"
                )
            video = job.video
            yield generation_pb2.GenerateEvent(
                result=generation_pb2.VideoResult(
                    mp4=mp4,
                    duration_s=video.duration_s,
                    fps=video.fps,
                    width=video.width,
                    height=video.height,
                    sample_rate=video.sample_rate,
                    num_frames=video.num_frames,
                    seed=video.seed,
                    stage_seconds=video.stage_seconds,
                )
            )
        finally:
            self.runner.unsubscribe(job_id, events)
            if not finished:  # the client went away: stop the job within one step
                with contextlib.suppress(Exception):
                    if self.store.cancel(job_id, time.time()).state == JobState.CANCELLED:
                        metrics.record_job("cancelled")
                self.runner.cancel_local(job_id)
