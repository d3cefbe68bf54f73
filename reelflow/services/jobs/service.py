"""The public API's methods over the job machinery, in domain values and independent of the
transport: requests are JobRequests, answers are JobRecords and the small results below, and
failures are JobErrors. api/grpc and api/http adapt them to their wire formats.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from reelflow.pipeline.editing.prepare import PreparedEdit, prepare_edit, upload_meta
from reelflow.pipeline.editing.source import probe_upload
from reelflow.pipeline.generation.preview import MAX_PREVIEW_EVERY, Preview
from reelflow.pipeline.generation.request import limits_for, prepare
from reelflow.pipeline.generation.schedule import Progress
from reelflow.pipeline.ltx2.generate import LTX2Family
from reelflow.pipeline.ltx2.request import LTX2Request
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import ScriptError
from reelflow.services import metrics
from reelflow.services.jobs import errors
from reelflow.services.jobs.auth import ApiKeys, Principal
from reelflow.services.jobs.editing import previews
from reelflow.services.jobs.editing.sources import FIXED_BY_SOURCE, LATENTS, SOURCE, source_meta
from reelflow.services.jobs.errors import ErrorCode, JobError
from reelflow.services.jobs.records import JOB_ID, JobRecord, JobState
from reelflow.services.jobs.requests import JobRequest, request_hash
from reelflow.services.jobs.runner import JobRunner, clip_of
from reelflow.services.jobs.settings import JobSettings, WebhookSettings
from reelflow.services.jobs.store import JobStore, QueueFull, QuotaExceeded, RequestIdReused
from reelflow.services.jobs.webhooks.targets import check_callback_url

Metadata = Iterable[tuple[str, str | bytes]]
MAX_REQUEST_ID = 128
DEFAULT_PAGE, MAX_PAGE = 50, 500
_WATCH_POLL_S = 0.1


@dataclass(frozen=True)
class JobPage:
    jobs: list[JobRecord]
    next_page_token: str  # "": the last page


@dataclass(frozen=True, eq=False)
class JobView:
    """What WatchJob shows at one moment: the record, and while it runs its latest preview."""

    job: JobRecord
    preview: Preview | None = None


@dataclass(frozen=True, eq=False)
class Accepted:
    job: JobRecord


@dataclass(frozen=True, eq=False)
class Finished:
    job: JobRecord
    mp4: bytes


GenerateEvent = Accepted | Progress | Finished


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
        family: LTX2Family | None = None,
    ):
        self.store, self.runner, self.keys = store, runner, keys
        self.settings, self.preset, self.trained = settings, preset, trained
        self.webhooks = webhooks or WebhookSettings()
        self.family = family  # None: the reelflow preset's own model

    @property
    def model_id(self) -> str:
        """The served model, as clients name it (OpenAI's `model`)."""
        return self.family.name if self.family is not None else f"reelflow-{self.preset.name}"

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
        self, request: JobRequest, who: Principal, request_id: str, affinity: str | None
    ) -> tuple[JobRecord, bool]:
        try:
            job, created = await self._admit(request, who, request_id, affinity)
        except JobError:
            metrics.record_job("rejected")
            raise
        if created:
            metrics.record_job("queued")
            self.runner.wake()
        return job, created

    async def _admit(
        self, request: JobRequest, who: Principal, request_id: str, affinity: str | None
    ) -> tuple[JobRecord, bool]:
        """Check the request and prepare it, once: the runner that claims the job in this
        process is handed the preparation (runner.hand_over)."""
        who.require_write()
        if len(request_id) > MAX_REQUEST_ID or not request_id.isprintable():
            raise errors.bad_field("request_id", f"up to {MAX_REQUEST_ID} printable characters")
        settings, options = self.settings, request.options
        queue_timeout = _seconds(
            options.queue_timeout_s,
            settings.default_queue_timeout_s,
            settings.max_queue_timeout_s,
            "queue_timeout_s",
        )
        deadline = _seconds(
            options.deadline_s, settings.default_deadline_s, settings.max_deadline_s, "deadline_s"
        )
        if not 0 <= options.preview_every <= MAX_PREVIEW_EVERY:
            raise errors.bad_field(
                "preview_every", f"preview_every must be from 0 to {MAX_PREVIEW_EVERY} steps"
            )
        source = None  # an edit's source latents, stored with the job before it can run
        try:
            callback_url = check_callback_url(options.callback_url, self.webhooks)
            if self.family is not None:
                prepared = await asyncio.to_thread(self._prepare_family, request)
            elif request.edit is None:
                prepared = await asyncio.to_thread(prepare, request.generation, self.preset)
            else:
                prepared, source = await self._prepare_edit(request, who)
        except ScriptError as error:
            raise errors.bad_request(error) from None
        job = None
        now = time.time()
        clip = clip_of(prepared, self.family)
        record = JobRecord(
            job_id=uuid.uuid4().hex,
            owner=who.name,
            request_id=request_id,
            request=request.with_seed(clip.seed),
            priority=int(options.priority),
            state=JobState.QUEUED,
            created_at=now,
            queue_expires_at=now + queue_timeout,
            deadline_at=now + deadline,
            num_frames=clip.frames,
            num_shots=clip.shots,
            seed=clip.seed,
        )
        if source is not None:
            await asyncio.to_thread(self.store.put_artifact, record.job_id, SOURCE, source)
        try:
            job, created = await asyncio.to_thread(
                self.store.submit,
                record,
                request_hash(request),
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
            raise JobError(
                ErrorCode.ALREADY_EXISTS,
                f"request_id {request_id!r} was used for a different request",
            ) from None
        finally:
            if source is not None and (job is None or job.job_id != record.job_id):
                await asyncio.to_thread(self.store.delete_artifacts, [record.job_id], (SOURCE,))
        if created:
            self.runner.hand_over(job.job_id, prepared)
        return job, created

    def _prepare_family(self, request: JobRequest) -> LTX2Request:
        name = self.family.name
        if request.edit is not None:
            raise ScriptError("edit", f"the {name} model does not edit clips yet")
        return self.family.prepare(request.generation)

    async def _prepare_edit(
        self, request: JobRequest, who: Principal
    ) -> tuple[PreparedEdit, bytes | None]:
        """Check an edit against its source; the source's latents when it ran here (an
        upload is encoded when the edit runs). ScriptError naming the field."""
        edit, generation = request.edit, request.generation
        for name in FIXED_BY_SOURCE:
            if getattr(generation, name):
                raise ScriptError(name, f"an edit takes {name} from its source; leave it unset")
        data = None
        if edit.source_job_id is not None:
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
        elif edit.source_mp4 is not None:
            seconds = await asyncio.to_thread(
                probe_upload, edit.source_mp4, limits_for(self.preset), self.settings.max_extended_s
            )
            meta = upload_meta(seconds, self.preset, generation.prompt)
        else:
            raise ScriptError("edit.source_job_id", "an edit needs source_job_id or source_mp4")
        prepared = await asyncio.to_thread(
            prepare_edit, generation, edit.spec, meta, self.preset, self.settings.max_extended_s
        )
        return prepared, data

    # -- unary methods -----------------------------------------------------------------------

    def authenticate(self, metadata: Metadata) -> Principal:
        return self.keys.authenticate(metadata)

    async def submit(
        self, request: JobRequest, metadata: Metadata, request_id: str = ""
    ) -> JobRecord:
        job, _ = await self._create(request, self.authenticate(metadata), request_id, None)
        return job

    async def get(self, job_id: str, metadata: Metadata) -> JobRecord:
        return await self._owned(job_id, self.authenticate(metadata))

    async def cancel(self, job_id: str, metadata: Metadata) -> JobRecord:
        who = self.authenticate(metadata)
        who.require_write()
        before = await self._owned(job_id, who)
        job = await asyncio.to_thread(self.store.cancel, job_id, time.time())
        self.runner.cancel_local(job_id)
        self.runner.wake_webhooks()
        if not before.state.terminal and job.state == JobState.CANCELLED:
            metrics.record_job("cancelled")
            metrics.observe_job_seconds("cancelled", time.time() - job.created_at)
        return job

    async def delete(self, job_id: str, metadata: Metadata) -> JobRecord:
        """Cancel the job (it stops within one step), then forget it and its files."""
        who = self.authenticate(metadata)
        who.require_write()
        job = await self._owned(job_id, who)
        await self.cancel(job_id, metadata)
        await asyncio.to_thread(self.store.delete, job_id)
        return job

    async def list(
        self, metadata: Metadata, states: tuple[JobState, ...], page_size: int, page_token: str
    ) -> JobPage:
        who = self.authenticate(metadata)
        size = page_size or DEFAULT_PAGE
        if not 1 <= size <= MAX_PAGE:
            raise errors.bad_field("page_size", f"page_size must be between 1 and {MAX_PAGE}")
        before = None
        if page_token:
            try:
                created, _, job_id = base64.urlsafe_b64decode(page_token).partition(b"/")
                before = (float(created), job_id.decode())
            except (ValueError, UnicodeDecodeError):
                raise errors.bad_field("page_token", "not a token from ListJobs") from None
        jobs = await asyncio.to_thread(self.store.list, who.name, states, size + 1, before)
        token = ""
        if len(jobs) > size:
            jobs, last = jobs[:size], jobs[size - 1]
            token = base64.urlsafe_b64encode(f"{last.created_at!r}/{last.job_id}".encode())
            token = token.decode()
        return JobPage(jobs, token)

    async def artifact(self, job_id: str, metadata: Metadata, last_frame: bool = False) -> bytes:
        """A finished job's MP4 (or, when it asked for one, its last frame as a PNG)."""
        job = await self._owned(job_id, self.authenticate(metadata))
        if job.state != JobState.SUCCEEDED:
            raise JobError(
                ErrorCode.FAILED_PRECONDITION, f"job {job.job_id} is {job.state}, no video"
            )
        if last_frame and not job.video.has_last_frame:
            raise JobError(
                ErrorCode.FAILED_PRECONDITION, "the job did not ask for return_last_frame"
            )
        kind = ".png" if last_frame else ".mp4"
        data = await asyncio.to_thread(self.store.get_artifact, job.job_id, kind)
        if data is None:
            raise JobError(ErrorCode.NOT_FOUND, f"the video of job {job.job_id} has expired")
        return data

    async def preview(self, job: JobRecord) -> Preview | None:
        """A running job's latest preview, when it asked for previews."""
        if not job.request.options.preview_every or job.state != JobState.RUNNING:
            return None
        data = await asyncio.to_thread(self.store.get_artifact, job.job_id, previews.PREVIEW)
        return None if data is None else previews.unpack(data)

    # -- streams -----------------------------------------------------------------------------

    async def watch(self, job_id: str, metadata: Metadata) -> AsyncIterator[JobView]:
        """The job now and after each change, until it ends (callers drop repeats)."""
        job = await self._owned(job_id, self.authenticate(metadata))
        while True:
            yield JobView(job, await self.preview(job))
            if job.state.terminal:
                return
            await asyncio.sleep(_WATCH_POLL_S)
            job = await asyncio.to_thread(self.store.get, job_id)
            if job is None:
                raise errors.not_found(job_id)

    async def generate(
        self, request: JobRequest, metadata: Metadata
    ) -> AsyncIterator[GenerateEvent]:
        """One call: a job run by this process's runner, streamed; leaving cancels it."""
        who = self.authenticate(metadata)
        job, _ = await self._create(request, who, "", affinity=self.runner.worker_id)
        job_id = job.job_id
        events = self.runner.subscribe(job_id)
        finished = False
        try:
            yield Accepted(job)
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
                yield event
            job = await asyncio.to_thread(self.store.get, job_id)
            finished = True
            if job is None:
                raise errors.not_found(job_id)
            if job.state != JobState.SUCCEEDED:
                code = ErrorCode.of_name(job.failure_code)
                raise JobError(code, f"job {job.job_id} {job.state}: {job.failure_reason}")
            mp4 = await asyncio.to_thread(self.store.get_artifact, job.job_id, ".mp4")
            if mp4 is None:
                raise JobError(ErrorCode.NOT_FOUND, f"the video of job {job.job_id} has expired")
            yield Finished(job, mp4)
        finally:
            self.runner.unsubscribe(job_id, events)
            if not finished:  # the client went away: stop the job within one step
                with contextlib.suppress(Exception):
                    if self.store.cancel(job_id, time.time()).state == JobState.CANCELLED:
                        metrics.record_job("cancelled")
                self.runner.cancel_local(job_id)
