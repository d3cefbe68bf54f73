"""A job as the store keeps it: state, timestamps, progress, failure and what it produced."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from reelflow.services.jobs.requests import JobRequest

JOB_ID = re.compile(r"[0-9a-f]{32}")  # server-made; the only job-derived text in a file name


class JobState(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def terminal(self) -> bool:
        return self not in (JobState.QUEUED, JobState.RUNNING)


ACTIVE = (JobState.QUEUED, JobState.RUNNING)


@dataclass(frozen=True)
class VideoMeta:
    duration_s: float
    fps: int
    width: int
    height: int
    sample_rate: int
    num_frames: int
    seed: int
    mp4_bytes: int
    has_last_frame: bool
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class JobRecord:
    job_id: str
    owner: str
    request_id: str
    request: JobRequest  # as admitted: the seed fixed
    priority: int
    state: JobState
    created_at: float
    queue_expires_at: float
    deadline_at: float
    started_at: float | None = None
    finished_at: float | None = None
    result_expires_at: float | None = None
    progress_stage: str = ""
    progress_step: int = 0
    progress_total: int = 0
    progress_elapsed_s: float = 0.0
    failure_reason: str = ""
    failure_code: str = ""
    video: VideoMeta | None = None
    video_available: bool = False
    attempts: int = 0
    worker: str = ""
    num_frames: int = 0
    num_shots: int = 0
    seed: int = 0
