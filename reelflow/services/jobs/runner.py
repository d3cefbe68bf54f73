"""Runs queued jobs: claims them from the store, drives the generation schedule over the given
stages, records progress and a heartbeat, and stops a job within one step when it is cancelled
or late. Several runners (one per Orchestrator replica) share one store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from reelflow.pipeline.editing.latent_edit import LatentEdit
from reelflow.pipeline.editing.prepare import PreparedEdit, latent_edit, prepare_edit
from reelflow.pipeline.editing.source import SourceLatents, SourceMeta
from reelflow.pipeline.generation.loop_state import LoopState
from reelflow.pipeline.generation.preview import Preview
from reelflow.pipeline.generation.request import PreparedRequest, prepare
from reelflow.pipeline.generation.schedule import Progress, generate, latent_shapes
from reelflow.pipeline.ltx2.generate import LTX2Family, PreviewRequest
from reelflow.pipeline.ltx2.request import LTX2Request
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import ScriptError
from reelflow.services import metrics
from reelflow.services.jobs import media
from reelflow.services.jobs.editing import previews
from reelflow.services.jobs.editing.previews import PREVIEW
from reelflow.services.jobs.editing.sources import LATENTS, SOURCE, uploaded_source
from reelflow.services.jobs.errors import ErrorCode
from reelflow.services.jobs.records import JobRecord, JobState, VideoMeta
from reelflow.services.jobs.retry import StageUnavailable
from reelflow.services.jobs.settings import JobSettings
from reelflow.services.jobs.store import JobStore
from reelflow.services.jobs.webhooks.sender import WebhookSender

logger = logging.getLogger("reelflow.jobs")
_POLL_S = 0.25  # how often an idle runner looks for work queued by another process
# Preparations handed over at admission and not claimed yet: decoded references can be large,
# so only the newest few are held; a job whose preparation is not here is prepared again.
_HANDED_OVER = 16
Prepared = PreparedRequest | PreparedEdit | LTX2Request


@dataclass(frozen=True)
class Clip:
    """What a prepared request will make, whichever family prepared it."""

    frames: int
    shots: int
    fps: int
    width: int
    height: int
    sample_rate: int
    seed: int


def clip_of(prepared: Prepared, family: LTX2Family | None) -> Clip:
    if isinstance(prepared, LTX2Request):
        return Clip(
            frames=prepared.num_frames,
            shots=1,
            fps=round(prepared.frame_rate),
            width=prepared.width,
            height=prepared.height,
            sample_rate=family.sample_rate,
            seed=prepared.seed,
        )
    plan = prepared.plan
    return Clip(
        frames=plan.num_frames,
        shots=len(plan.shots),
        fps=plan.fps,
        width=plan.width,
        height=plan.height,
        sample_rate=plan.sample_rate,
        seed=prepared.options.seed,
    )


class JobRunner:
    def __init__(
        self,
        store: JobStore,
        settings: JobSettings,
        stages,
        preset: Preset,
        worker_id: str,
        webhooks: WebhookSender | None = None,
        family: LTX2Family | None = None,
    ):
        self.store, self.settings, self.stages, self.preset = store, settings, stages, preset
        self.family = family  # None: the preset's own model over `stages`
        self.worker_id = worker_id
        self.webhooks = webhooks
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._running: dict[str, asyncio.Task] = {}
        self._subscribers: dict[str, list[asyncio.Queue]] = {}
        self._handed: OrderedDict[str, Prepared] = OrderedDict()
        self._stopping = False

    def start(self) -> None:
        loops = [self._worker() for _ in range(self.settings.workers)] + [self._sweeper()]
        if self.webhooks is not None:
            loops.append(self.webhooks.run())
        self._tasks = [asyncio.create_task(loop) for loop in loops]

    async def stop(self) -> None:
        # The flag ends the loops even where a cancellation gets lost (asyncio.wait_for on
        # Python 3.11 can swallow one that races its inner future; a job cancelled by its
        # client at the same moment returns normally).
        self._stopping = True
        if self.webhooks is not None:
            self.webhooks.stop()
        for task in self._tasks + list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()
        self.wake_webhooks()

    def wake_webhooks(self) -> None:
        if self.webhooks is not None:
            self.webhooks.wake()

    def subscribe(self, job_id: str) -> asyncio.Queue:
        """Every progress event of a job this runner runs, then None when it ends."""
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers.setdefault(job_id, []).append(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue) -> None:
        queues = self._subscribers.get(job_id, [])
        with contextlib.suppress(ValueError):
            queues.remove(queue)
        if not queues:
            self._subscribers.pop(job_id, None)

    def hand_over(self, job_id: str, prepared: Prepared) -> None:
        """The admission's preparation of a job, for when this runner claims it."""
        self._handed[job_id] = prepared
        while len(self._handed) > _HANDED_OVER:
            self._handed.popitem(last=False)

    def cancel_local(self, job_id: str) -> None:
        """Stop a job this runner runs now rather than at its next heartbeat."""
        task = self._running.get(job_id)
        if task is not None:
            task.cancel()

    def _publish(self, job_id: str, event: Progress | None) -> None:
        for queue in self._subscribers.get(job_id, []):
            queue.put_nowait(event)

    async def _worker(self) -> None:
        while not self._stopping:
            try:
                job = await asyncio.to_thread(self.store.claim, self.worker_id, time.time())
            except Exception:
                logger.exception("claiming a job failed")
                job = None
            if job is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), _POLL_S)
                self._wake.clear()
                continue
            metrics.record_job("running")
            self.wake_webhooks()
            metrics.observe_queue_wait(max(0.0, (job.started_at or 0.0) - job.created_at))
            try:
                with metrics.job_in_flight():
                    await self._run(job)
            except Exception:
                logger.exception("job %s: runner error", job.job_id)
            finally:
                self._publish(job.job_id, None)

    async def _sweeper(self) -> None:
        settings = self.settings
        while not self._stopping:
            try:
                counts = await asyncio.to_thread(
                    self.store.sweep,
                    time.time(),
                    lease_s=settings.lease_s,
                    max_attempts=settings.max_attempts,
                    record_ttl_s=settings.record_ttl_s,
                )
                if counts.get("restarted"):
                    self.wake()
                queued = await asyncio.to_thread(self.store.counts)
                metrics.set_jobs_queued(queued[JobState.QUEUED])
            except Exception:
                logger.exception("sweeping the job store failed")
            await asyncio.sleep(max(settings.heartbeat_s, 0.5))

    async def _run(self, job: JobRecord) -> None:
        request = job.request
        prepared = self._handed.pop(job.job_id, None)
        latest: list[Progress | None] = [None]

        def on_progress(event: Progress) -> None:
            latest[0] = event
            self._publish(job.job_id, event)

        def progress() -> tuple[str, int, int, float] | None:
            p = latest[0]
            return None if p is None else (p.stage, p.step, p.total, p.elapsed_s)

        async def end(state: JobState, code: ErrorCode | None = None, **kwargs) -> bool:
            ended = await asyncio.to_thread(
                self.store.finish,
                job.job_id,
                self.worker_id,
                state,
                time.time(),
                progress=progress(),
                code=str(code or ""),
                **kwargs,
            )
            if ended:
                self.wake_webhooks()
                await asyncio.to_thread(
                    self.store.delete_artifacts, [job.job_id], (".state", SOURCE, PREVIEW)
                )
                outcome = str(state).lower()
                metrics.record_job(outcome)
                metrics.observe_job_seconds(outcome, time.time() - job.created_at)
                if kwargs.get("video") is not None:
                    metrics.add_video_seconds(kwargs["video"].duration_s)
            return ended

        edit = None
        try:
            if self.family is not None:
                if prepared is None:  # admitted elsewhere, or resumed: prepared again
                    prepared = await asyncio.to_thread(self.family.prepare, request.generation)
            elif request.edit is None:
                if prepared is None:  # admitted elsewhere, or resumed: prepared again
                    prepared = await asyncio.to_thread(prepare, request.generation, self.preset)
            else:
                prepared, edit = await self._prepare_edit(job, prepared)
        except ScriptError as error:  # checked at submission; only a changed server gets here
            await end(JobState.FAILED, ErrorCode.INVALID_ARGUMENT, reason=str(error))
            return
        except Exception as error:
            logger.exception("job %s: reading its edit source failed", job.job_id)
            reason = f"reading the edit's source failed ({type(error).__name__})"
            await end(JobState.FAILED, ErrorCode.INTERNAL, reason=reason)
            return
        if self.family is not None:
            work = self.family.generate(
                prepared,
                on_progress,
                resume=await self._saved_state(
                    job, lambda: self.family.latent_shapes(prepared), prepared.steps
                ),
                on_step=self._checkpointer(job.job_id, prepared.steps),
                previews=self._ltx2_previews(job.job_id, request.options.preview_every),
            )
        else:
            work = generate(
                prepared.plan,
                prepared.options,
                self.stages,
                self.preset,
                on_progress,
                resume=await self._saved_state(
                    job, lambda: latent_shapes(prepared.plan, self.preset), prepared.options.steps
                ),
                on_step=self._checkpointer(job.job_id, prepared.options.steps),
                edit=edit,
                preview_every=request.options.preview_every,
                on_preview=self._previewer(job.job_id),
            )
        task = asyncio.create_task(work)
        self._running[job.job_id] = task
        stopped = ""  # why the runner stopped the task: "cancelled", "lost" or "late"
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=self.settings.heartbeat_s)
                if task.done():
                    break
                state = await asyncio.to_thread(
                    self.store.heartbeat, job.job_id, self.worker_id, time.time(), progress()
                )
                if state is None or state != JobState.RUNNING:
                    stopped = "cancelled" if state == JobState.CANCELLED else "lost"
                elif time.time() >= job.deadline_at:
                    stopped = "late"
                if stopped:
                    task.cancel()
            result = await task
        except asyncio.CancelledError:
            if stopped == "late":
                await end(JobState.FAILED, ErrorCode.DEADLINE_EXCEEDED, reason="deadline passed")
            elif not stopped and not task.cancelled():
                raise  # the runner itself is being stopped
            return  # cancelled or lost: the store already says what happened
        except StageUnavailable as error:
            await end(JobState.FAILED, ErrorCode.UNAVAILABLE, reason=str(error))
            return
        except Exception as error:
            logger.exception("job %s failed", job.job_id)
            reason = f"generation failed ({type(error).__name__}); see the server log"
            await end(JobState.FAILED, ErrorCode.INTERNAL, reason=reason)
            return
        finally:
            self._running.pop(job.job_id, None)
        video = await asyncio.to_thread(self._save, job, prepared, result)
        if not await end(JobState.SUCCEEDED, video=video, result_ttl_s=self.settings.result_ttl_s):
            # cancelled meanwhile: drop what was stored
            await asyncio.to_thread(self.store.delete_artifacts, [job.job_id])

    async def _prepare_edit(
        self, job: JobRecord, prepared: PreparedEdit | None
    ) -> tuple[PreparedEdit, LatentEdit]:
        """The edit's plan and latent edit, from the source latents stored with the job (a
        job that ran here) or the uploaded MP4, encoded once by the Muxer and then stored, so
        a restarted edit does not encode it again."""
        preset, edit = self.preset, job.request.edit
        data = await asyncio.to_thread(self.store.get_artifact, job.job_id, SOURCE)
        if data is not None:
            source = SourceLatents.from_bytes(data)
        elif edit.source_mp4 is not None:
            xv, xa = await self.stages.encode_source(
                edit.source_mp4, preset.fps, preset.width, preset.height, preset.sample_rate
            )
            source = uploaded_source(xv, xa, preset, job.request.generation.prompt)
            await asyncio.to_thread(self.store.put_artifact, job.job_id, SOURCE, source.to_bytes())
        else:
            raise ScriptError("edit.source_job_id", "the source's latents are gone")
        if prepared is None:  # admitted elsewhere, or resumed: prepared again
            prepared = await asyncio.to_thread(
                prepare_edit,
                job.request.generation,
                edit.spec,
                source.meta,
                preset,
                self.settings.max_extended_s,
            )
        return prepared, latent_edit(prepared, source, preset)

    def _ltx2_previews(self, job_id: str, every: int) -> PreviewRequest | None:
        return PreviewRequest(every, self._previewer(job_id)) if every > 0 else None

    def _previewer(self, job_id: str) -> Callable[[Preview], Awaitable[None]]:
        async def store(preview: Preview) -> None:
            await asyncio.to_thread(
                self.store.put_artifact, job_id, PREVIEW, previews.pack(preview)
            )

        return store

    async def _saved_state(
        self, job: JobRecord, shapes: Callable[[], tuple[tuple[int, ...], ...]], steps: int
    ) -> LoopState | None:
        """The loop state an earlier attempt of this job saved, if it fits the request's
        latent (video, audio) shapes (asked for only when there is a state) and steps."""
        if job.attempts < 2:
            return None
        data = await asyncio.to_thread(self.store.get_artifact, job.job_id, ".state")
        if data is None:
            return None
        try:
            state = LoopState.from_bytes(data)
        except Exception:
            logger.warning("job %s: unreadable saved loop state; starting anew", job.job_id)
            return None
        if not state.fits(*await asyncio.to_thread(shapes), steps):
            logger.warning("job %s: saved loop state does not fit; starting anew", job.job_id)
            return None
        logger.info("job %s resumes after step %d", job.job_id, state.step)
        return state

    def _checkpointer(self, job_id: str, steps: int) -> Callable[[LoopState], Awaitable[None]]:
        """Saves the loop state at most every checkpoint_s, never the finished one."""
        every, limit = self.settings.checkpoint_s, self.settings.checkpoint_max_bytes
        last = time.monotonic()

        async def save(state: LoopState) -> None:
            nonlocal last
            if every <= 0 or state.step >= steps or state.nbytes > limit:
                return
            if time.monotonic() - last < every:
                return
            await asyncio.to_thread(self.store.put_artifact, job_id, ".state", state.to_bytes())
            last = time.monotonic()

        return save

    def _save(self, job: JobRecord, prepared: Prepared, result) -> VideoMeta:
        mp4, options = result.mp4, job.request.options
        with_audio = options.generate_audio
        if not with_audio:
            mp4 = media.without_audio(mp4)
        if options.return_last_frame:
            self.store.put_artifact(job.job_id, ".png", media.last_frame_png(mp4))
        self.store.put_artifact(job.job_id, ".mp4", mp4)
        if result.latents is not None:  # what an edit of this clip starts from
            meta = SourceMeta.of_plan(prepared.plan)
            latents = SourceLatents(meta, *result.latents).to_bytes()
            if len(latents) <= self.settings.latents_max_bytes:
                self.store.put_artifact(job.job_id, LATENTS, latents)
        clip = clip_of(prepared, self.family)
        return VideoMeta(
            duration_s=clip.frames / clip.fps,
            fps=clip.fps,
            width=clip.width,
            height=clip.height,
            sample_rate=clip.sample_rate if with_audio else 0,
            num_frames=clip.frames,
            seed=clip.seed,
            mp4_bytes=len(mp4),
            has_last_frame=options.return_last_frame,
            stage_seconds=dict(result.stage_seconds),
        )
