"""A job record as the OpenAI Video object, and how soon a poller should look again."""

from __future__ import annotations

from typing import Protocol

from reelflow.services.api.http.models import Video, VideoError
from reelflow.services.jobs.records import JobRecord, JobState
from reelflow.services.jobs.webhooks.payload import STATUS, error_of

# Where each stage's work sits on the 0-100 progress bar: denoising steps are nearly all of it.
_SPAN = {
    "prompt_encoding": (0, 2),
    "keyframes": (2, 5),
    "denoising": (5, 95),
    "muxing": (95, 99),
}


def progress_percent(job: JobRecord) -> int:
    if job.state == JobState.SUCCEEDED:
        return 100
    low, high = _SPAN.get(job.progress_stage, (0, 0))
    if not job.progress_total:
        return low
    return int(low + (high - low) * min(1.0, job.progress_step / job.progress_total))


def poll_after_ms(job: JobRecord) -> int:
    """openai-poll-after-ms: about one denoising step while running (the SDK's
    create_and_poll sleeps this long between polls), longer while queued."""
    if job.state == JobState.RUNNING and job.progress_stage == "denoising" and job.progress_step:
        per_step_ms = 1000 * job.progress_elapsed_s / job.progress_step
        return int(min(2000, max(100, per_step_ms)))
    return 100 if job.state == JobState.RUNNING else 250


class VideoDefaults(Protocol):
    """What a request may leave out: the preset's, or another model family's."""

    fps: int
    width: int
    height: int


def to_video(job: JobRecord, defaults: VideoDefaults, model_id: str) -> Video:
    request = job.request.generation
    fps = job.video.fps if job.video else (request.fps or defaults.fps)
    width = job.video.width if job.video else (request.width or defaults.width)
    height = job.video.height if job.video else (request.height or defaults.height)
    error = error_of(job.state, job.failure_code, job.failure_reason)
    completed = job.state == JobState.SUCCEEDED and job.finished_at is not None
    edit = job.request.edit
    kind = None if edit is None else edit.spec.kind
    source = "" if edit is None else edit.source_job_id or ""
    return Video(
        id=job.job_id,
        model=model_id,
        prompt=request.prompt,
        status=STATUS[job.state],
        progress=progress_percent(job),
        created_at=int(job.created_at),
        completed_at=int(job.finished_at) if completed else None,
        expires_at=int(job.result_expires_at) if completed and job.result_expires_at else None,
        seconds=f"{job.num_frames / fps:g}" if fps else "0",
        size=f"{width}x{height}",
        error=VideoError(**error) if error else None,
        job_state=str(job.state),
        seed=job.seed,
        fps=fps,
        has_audio=job.request.options.generate_audio,
        remixed_from_video_id=source if kind == "remix" and source else None,
        source_video_id=source or None,
        edit=kind,
    )
