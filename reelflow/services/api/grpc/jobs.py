"""Job records, previews and the served model's limits as public API messages."""

from __future__ import annotations

from google.protobuf import timestamp_pb2

from reelflow.pipeline.generation.preview import MAX_PREVIEW_EVERY, Preview
from reelflow.pipeline.generation.request import (
    MAX_CACHE_THRESHOLD,
    MAX_GUIDANCE,
    MAX_STEPS,
    limits_for,
)
from reelflow.pipeline.ltx2 import request as ltx2
from reelflow.pipeline.ltx2.generate import LTX2Family
from reelflow.pipeline.ltx2.stages import LTX2Guidance
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import REFERENCE_ROLES
from reelflow.services.api.grpc.messages import KIND_OF_NAME
from reelflow.services.jobs.records import JobRecord, JobState, VideoMeta
from reelflow.services.jobs.settings import JobSettings
from reelflow.v1 import generation_pb2

STATE = {state: generation_pb2.JobState.Value(f"JOB_STATE_{state}") for state in JobState}
STATE_OF = {value: state for state, value in STATE.items()}
NOTES = (
    "generate_audio=false returns the video track only; the soundtrack is still generated "
    "jointly, because the video branch is conditioned on it.",
)


def _time(seconds: float | None) -> timestamp_pb2.Timestamp | None:
    if seconds is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def job_to_proto(job: JobRecord) -> generation_pb2.Job:
    message = generation_pb2.Job(
        job_id=job.job_id,
        request_id=job.request_id,
        state=STATE[job.state],
        priority=job.priority,
        created_at=_time(job.created_at),
        started_at=_time(job.started_at),
        finished_at=_time(job.finished_at),
        queue_expires_at=_time(job.queue_expires_at if job.state == JobState.QUEUED else None),
        result_expires_at=_time(job.result_expires_at),
        failure_reason=job.failure_reason,
        failure_code=job.failure_code,
        attempts=job.attempts,
        num_frames=job.num_frames,
        num_shots=job.num_shots,
        seed=job.seed,
    )
    edit = job.request.edit
    if edit is not None:
        message.edit_kind = KIND_OF_NAME[edit.spec.kind]
        message.source_job_id = edit.source_job_id or ""
    if job.progress_stage:
        message.progress.CopyFrom(
            generation_pb2.Progress(
                stage=job.progress_stage,
                step=job.progress_step,
                total=job.progress_total,
                elapsed_s=job.progress_elapsed_s,
            )
        )
    if job.video is not None:
        video = job.video
        message.video.CopyFrom(
            generation_pb2.VideoInfo(
                **video_fields(video),
                mp4_bytes=video.mp4_bytes,
                has_last_frame=video.has_last_frame,
                available=job.video_available,
            )
        )
    return message


def video_fields(video: VideoMeta) -> dict:
    """What VideoInfo and VideoResult both say of a finished video."""
    return {
        "duration_s": video.duration_s,
        "fps": video.fps,
        "width": video.width,
        "height": video.height,
        "sample_rate": video.sample_rate,
        "num_frames": video.num_frames,
        "seed": video.seed,
        "stage_seconds": video.stage_seconds,
    }


def preview_to_proto(preview: Preview) -> generation_pb2.JobPreview:
    return generation_pb2.JobPreview(
        jpeg=preview.jpeg, step=preview.step, total=preview.total, frames=preview.frames
    )


def capabilities(
    preset: Preset,
    jobs: JobSettings,
    max_active_per_key: int,
    trained: bool,
    family: LTX2Family | None = None,
) -> generation_pb2.Capabilities:
    message = _preset_capabilities(preset, jobs, max_active_per_key, trained)
    if family is not None:
        message.MergeFrom(_ltx2_capabilities(family))
        message.references.CopyFrom(  # one image, the clip's first frame
            generation_pb2.ReferenceLimits(
                max_references=1,
                max_images=1,
                max_file_bytes=message.references.max_file_bytes,
                roles=["first_frame"],
            )
        )
        message.max_extended_duration_s = 0
        message.draft_steps = 0
    return message


def _ltx2_capabilities(family: LTX2Family) -> generation_pb2.Capabilities:
    stride = family.stages.pipe.vae_spatial_compression_ratio
    return generation_pb2.Capabilities(
        preset=family.name,
        default_width=family.width,
        default_height=family.height,
        min_side=stride,
        max_side=ltx2.MAX_SIDE,
        side_multiple=stride,
        default_fps=family.fps,
        max_fps=60,
        default_duration_s=121 / family.fps,
        max_duration_s=ltx2.MAX_SECONDS,
        sample_rate=family.sample_rate,
        default_steps=ltx2.DEFAULT_STEPS,
        max_steps=ltx2.MAX_STEPS,
        default_guidance=LTX2Guidance().video,
        notes=[
            f"{family.name}: the prompt is plain text (no shot markers); one reference, an "
            "image the clip starts from (input_reference); no edits yet; frames "
            "round up to 8k + 1",
        ],
    )


def _preset_capabilities(
    preset: Preset, jobs: JobSettings, max_active_per_key: int, trained: bool
) -> generation_pb2.Capabilities:
    limits = limits_for(preset)
    return generation_pb2.Capabilities(
        preset=preset.name,
        default_width=preset.width,
        default_height=preset.height,
        min_side=limits.min_side,
        max_side=limits.max_side,
        side_multiple=limits.side_multiple,
        default_fps=preset.fps,
        min_fps=limits.min_fps,
        max_fps=limits.max_fps,
        default_duration_s=limits.default_duration_s,
        max_duration_s=limits.max_duration_s,
        sample_rate=preset.sample_rate,
        default_steps=preset.sampler.steps,
        max_steps=MAX_STEPS,
        default_guidance=preset.sampler.guidance,
        max_guidance=MAX_GUIDANCE,
        max_prompt_chars=limits.max_prompt_chars,
        references=generation_pb2.ReferenceLimits(
            max_references=limits.max_references,
            max_images=limits.max_images,
            max_videos=limits.max_videos,
            max_audios=limits.max_audios,
            max_file_bytes=limits.max_file_bytes,
            max_video_seconds=limits.max_video_seconds,
            max_audio_seconds=limits.max_audio_seconds,
            roles=list(REFERENCE_ROLES),
        ),
        negative_prompt_supported=True,
        audio_optional=True,
        max_queued_jobs=jobs.max_queued,
        max_active_jobs_per_key=max_active_per_key,
        result_ttl_s=jobs.result_ttl_s,
        default_queue_timeout_s=jobs.default_queue_timeout_s,
        max_deadline_s=jobs.max_deadline_s,
        trained_weights=trained,
        notes=list(NOTES),
        draft_steps=preset.sampler.draft_steps,
        draft_shift=preset.sampler.draft_shift,
        max_cache_threshold=MAX_CACHE_THRESHOLD,
        max_extended_duration_s=jobs.max_extended_s,
        max_preview_every=MAX_PREVIEW_EVERY,
    )
