import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_NORMAL: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]

class EditKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EDIT_KIND_UNSPECIFIED: _ClassVar[EditKind]
    EDIT_KIND_RETAKE: _ClassVar[EditKind]
    EDIT_KIND_EXTEND: _ClassVar[EditKind]
    EDIT_KIND_REMIX: _ClassVar[EditKind]

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]
    JOB_STATE_EXPIRED: _ClassVar[JobState]

class Artifact(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ARTIFACT_MP4: _ClassVar[Artifact]
    ARTIFACT_LAST_FRAME_PNG: _ClassVar[Artifact]
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
EDIT_KIND_UNSPECIFIED: EditKind
EDIT_KIND_RETAKE: EditKind
EDIT_KIND_EXTEND: EditKind
EDIT_KIND_REMIX: EditKind
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
JOB_STATE_EXPIRED: JobState
ARTIFACT_MP4: Artifact
ARTIFACT_LAST_FRAME_PNG: Artifact

class ReferenceFile(_message.Message):
    __slots__ = ("name", "data", "role")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    data: bytes
    role: str
    def __init__(self, name: _Optional[str] = ..., data: _Optional[bytes] = ..., role: _Optional[str] = ...) -> None: ...

class Edit(_message.Message):
    __slots__ = ("kind", "source_job_id", "source_mp4", "start_s", "end_s", "regenerate_video", "regenerate_audio", "seconds", "at_start", "strength")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_MP4_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    END_S_FIELD_NUMBER: _ClassVar[int]
    REGENERATE_VIDEO_FIELD_NUMBER: _ClassVar[int]
    REGENERATE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    AT_START_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    kind: EditKind
    source_job_id: str
    source_mp4: bytes
    start_s: float
    end_s: float
    regenerate_video: bool
    regenerate_audio: bool
    seconds: float
    at_start: bool
    strength: float
    def __init__(self, kind: _Optional[_Union[EditKind, str]] = ..., source_job_id: _Optional[str] = ..., source_mp4: _Optional[bytes] = ..., start_s: _Optional[float] = ..., end_s: _Optional[float] = ..., regenerate_video: _Optional[bool] = ..., regenerate_audio: _Optional[bool] = ..., seconds: _Optional[float] = ..., at_start: _Optional[bool] = ..., strength: _Optional[float] = ...) -> None: ...

class GenerateRequest(_message.Message):
    __slots__ = ("prompt", "duration_s", "fps", "width", "height", "seed", "steps", "guidance", "references", "negative_prompt", "generate_audio", "return_last_frame", "priority", "queue_timeout_s", "deadline_s", "draft", "cache_threshold", "callback_url", "edit", "preview_every")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    GENERATE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    RETURN_LAST_FRAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_S_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    CACHE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_URL_FIELD_NUMBER: _ClassVar[int]
    EDIT_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_EVERY_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    duration_s: float
    fps: int
    width: int
    height: int
    seed: int
    steps: int
    guidance: float
    references: _containers.RepeatedCompositeFieldContainer[ReferenceFile]
    negative_prompt: str
    generate_audio: bool
    return_last_frame: bool
    priority: Priority
    queue_timeout_s: float
    deadline_s: float
    draft: bool
    cache_threshold: float
    callback_url: str
    edit: Edit
    preview_every: int
    def __init__(self, prompt: _Optional[str] = ..., duration_s: _Optional[float] = ..., fps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., seed: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., references: _Optional[_Iterable[_Union[ReferenceFile, _Mapping]]] = ..., negative_prompt: _Optional[str] = ..., generate_audio: _Optional[bool] = ..., return_last_frame: _Optional[bool] = ..., priority: _Optional[_Union[Priority, str]] = ..., queue_timeout_s: _Optional[float] = ..., deadline_s: _Optional[float] = ..., draft: _Optional[bool] = ..., cache_threshold: _Optional[float] = ..., callback_url: _Optional[str] = ..., edit: _Optional[_Union[Edit, _Mapping]] = ..., preview_every: _Optional[int] = ...) -> None: ...

class JobPreview(_message.Message):
    __slots__ = ("jpeg", "step", "total", "frames")
    JPEG_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    jpeg: bytes
    step: int
    total: int
    frames: int
    def __init__(self, jpeg: _Optional[bytes] = ..., step: _Optional[int] = ..., total: _Optional[int] = ..., frames: _Optional[int] = ...) -> None: ...

class Accepted(_message.Message):
    __slots__ = ("job_id", "num_frames", "num_shots", "seed")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    NUM_SHOTS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    num_frames: int
    num_shots: int
    seed: int
    def __init__(self, job_id: _Optional[str] = ..., num_frames: _Optional[int] = ..., num_shots: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "step", "total", "elapsed_s")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    stage: str
    step: int
    total: int
    elapsed_s: float
    def __init__(self, stage: _Optional[str] = ..., step: _Optional[int] = ..., total: _Optional[int] = ..., elapsed_s: _Optional[float] = ...) -> None: ...

class VideoResult(_message.Message):
    __slots__ = ("mp4", "duration_s", "fps", "width", "height", "sample_rate", "num_frames", "seed", "stage_seconds")
    class StageSecondsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MP4_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STAGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    mp4: bytes
    duration_s: float
    fps: int
    width: int
    height: int
    sample_rate: int
    num_frames: int
    seed: int
    stage_seconds: _containers.ScalarMap[str, float]
    def __init__(self, mp4: _Optional[bytes] = ..., duration_s: _Optional[float] = ..., fps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., sample_rate: _Optional[int] = ..., num_frames: _Optional[int] = ..., seed: _Optional[int] = ..., stage_seconds: _Optional[_Mapping[str, float]] = ...) -> None: ...

class GenerateEvent(_message.Message):
    __slots__ = ("accepted", "progress", "result")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    accepted: Accepted
    progress: Progress
    result: VideoResult
    def __init__(self, accepted: _Optional[_Union[Accepted, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[VideoResult, _Mapping]] = ...) -> None: ...

class VideoInfo(_message.Message):
    __slots__ = ("duration_s", "fps", "width", "height", "sample_rate", "num_frames", "seed", "stage_seconds", "mp4_bytes", "has_last_frame", "available")
    class StageSecondsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STAGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MP4_BYTES_FIELD_NUMBER: _ClassVar[int]
    HAS_LAST_FRAME_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    duration_s: float
    fps: int
    width: int
    height: int
    sample_rate: int
    num_frames: int
    seed: int
    stage_seconds: _containers.ScalarMap[str, float]
    mp4_bytes: int
    has_last_frame: bool
    available: bool
    def __init__(self, duration_s: _Optional[float] = ..., fps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., sample_rate: _Optional[int] = ..., num_frames: _Optional[int] = ..., seed: _Optional[int] = ..., stage_seconds: _Optional[_Mapping[str, float]] = ..., mp4_bytes: _Optional[int] = ..., has_last_frame: _Optional[bool] = ..., available: _Optional[bool] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("job_id", "request_id", "state", "priority", "created_at", "started_at", "finished_at", "queue_expires_at", "result_expires_at", "progress", "failure_reason", "failure_code", "video", "attempts", "num_frames", "num_shots", "seed", "source_job_id", "edit_kind", "preview")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    QUEUE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CODE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    NUM_SHOTS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    EDIT_KIND_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    request_id: str
    state: JobState
    priority: Priority
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    queue_expires_at: _timestamp_pb2.Timestamp
    result_expires_at: _timestamp_pb2.Timestamp
    progress: Progress
    failure_reason: str
    failure_code: str
    video: VideoInfo
    attempts: int
    num_frames: int
    num_shots: int
    seed: int
    source_job_id: str
    edit_kind: EditKind
    preview: JobPreview
    def __init__(self, job_id: _Optional[str] = ..., request_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., priority: _Optional[_Union[Priority, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., queue_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., failure_reason: _Optional[str] = ..., failure_code: _Optional[str] = ..., video: _Optional[_Union[VideoInfo, _Mapping]] = ..., attempts: _Optional[int] = ..., num_frames: _Optional[int] = ..., num_shots: _Optional[int] = ..., seed: _Optional[int] = ..., source_job_id: _Optional[str] = ..., edit_kind: _Optional[_Union[EditKind, str]] = ..., preview: _Optional[_Union[JobPreview, _Mapping]] = ...) -> None: ...

class SubmitJobRequest(_message.Message):
    __slots__ = ("request", "request_id")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request: GenerateRequest
    request_id: str
    def __init__(self, request: _Optional[_Union[GenerateRequest, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class FetchVideoRequest(_message.Message):
    __slots__ = ("job_id", "artifact", "chunk_bytes", "offset")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    artifact: Artifact
    chunk_bytes: int
    offset: int
    def __init__(self, job_id: _Optional[str] = ..., artifact: _Optional[_Union[Artifact, str]] = ..., chunk_bytes: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class VideoChunk(_message.Message):
    __slots__ = ("data", "offset", "total_bytes", "content_type")
    DATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    offset: int
    total_bytes: int
    content_type: str
    def __init__(self, data: _Optional[bytes] = ..., offset: _Optional[int] = ..., total_bytes: _Optional[int] = ..., content_type: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("states", "page_size", "page_token")
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[JobState]
    page_size: int
    page_token: str
    def __init__(self, states: _Optional[_Iterable[_Union[JobState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCapabilitiesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReferenceLimits(_message.Message):
    __slots__ = ("max_references", "max_images", "max_videos", "max_audios", "max_file_bytes", "max_video_seconds", "max_audio_seconds", "roles")
    MAX_REFERENCES_FIELD_NUMBER: _ClassVar[int]
    MAX_IMAGES_FIELD_NUMBER: _ClassVar[int]
    MAX_VIDEOS_FIELD_NUMBER: _ClassVar[int]
    MAX_AUDIOS_FIELD_NUMBER: _ClassVar[int]
    MAX_FILE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_VIDEO_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_AUDIO_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    max_references: int
    max_images: int
    max_videos: int
    max_audios: int
    max_file_bytes: int
    max_video_seconds: float
    max_audio_seconds: float
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, max_references: _Optional[int] = ..., max_images: _Optional[int] = ..., max_videos: _Optional[int] = ..., max_audios: _Optional[int] = ..., max_file_bytes: _Optional[int] = ..., max_video_seconds: _Optional[float] = ..., max_audio_seconds: _Optional[float] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class Capabilities(_message.Message):
    __slots__ = ("preset", "default_width", "default_height", "min_side", "max_side", "side_multiple", "default_fps", "min_fps", "max_fps", "default_duration_s", "max_duration_s", "sample_rate", "default_steps", "max_steps", "default_guidance", "max_guidance", "max_prompt_chars", "references", "negative_prompt_supported", "audio_optional", "max_queued_jobs", "max_active_jobs_per_key", "result_ttl_s", "default_queue_timeout_s", "max_deadline_s", "trained_weights", "notes", "draft_steps", "draft_shift", "max_cache_threshold", "max_extended_duration_s", "max_preview_every")
    PRESET_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MIN_SIDE_FIELD_NUMBER: _ClassVar[int]
    MAX_SIDE_FIELD_NUMBER: _ClassVar[int]
    SIDE_MULTIPLE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FPS_FIELD_NUMBER: _ClassVar[int]
    MIN_FPS_FIELD_NUMBER: _ClassVar[int]
    MAX_FPS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    MAX_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_STEPS_FIELD_NUMBER: _ClassVar[int]
    MAX_STEPS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    MAX_GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    MAX_PROMPT_CHARS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    AUDIO_OPTIONAL_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUED_JOBS_FIELD_NUMBER: _ClassVar[int]
    MAX_ACTIVE_JOBS_PER_KEY_FIELD_NUMBER: _ClassVar[int]
    RESULT_TTL_S_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_QUEUE_TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    MAX_DEADLINE_S_FIELD_NUMBER: _ClassVar[int]
    TRAINED_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    DRAFT_STEPS_FIELD_NUMBER: _ClassVar[int]
    DRAFT_SHIFT_FIELD_NUMBER: _ClassVar[int]
    MAX_CACHE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MAX_EXTENDED_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    MAX_PREVIEW_EVERY_FIELD_NUMBER: _ClassVar[int]
    preset: str
    default_width: int
    default_height: int
    min_side: int
    max_side: int
    side_multiple: int
    default_fps: int
    min_fps: int
    max_fps: int
    default_duration_s: float
    max_duration_s: float
    sample_rate: int
    default_steps: int
    max_steps: int
    default_guidance: float
    max_guidance: float
    max_prompt_chars: int
    references: ReferenceLimits
    negative_prompt_supported: bool
    audio_optional: bool
    max_queued_jobs: int
    max_active_jobs_per_key: int
    result_ttl_s: float
    default_queue_timeout_s: float
    max_deadline_s: float
    trained_weights: bool
    notes: _containers.RepeatedScalarFieldContainer[str]
    draft_steps: int
    draft_shift: float
    max_cache_threshold: float
    max_extended_duration_s: float
    max_preview_every: int
    def __init__(self, preset: _Optional[str] = ..., default_width: _Optional[int] = ..., default_height: _Optional[int] = ..., min_side: _Optional[int] = ..., max_side: _Optional[int] = ..., side_multiple: _Optional[int] = ..., default_fps: _Optional[int] = ..., min_fps: _Optional[int] = ..., max_fps: _Optional[int] = ..., default_duration_s: _Optional[float] = ..., max_duration_s: _Optional[float] = ..., sample_rate: _Optional[int] = ..., default_steps: _Optional[int] = ..., max_steps: _Optional[int] = ..., default_guidance: _Optional[float] = ..., max_guidance: _Optional[float] = ..., max_prompt_chars: _Optional[int] = ..., references: _Optional[_Union[ReferenceLimits, _Mapping]] = ..., negative_prompt_supported: _Optional[bool] = ..., audio_optional: _Optional[bool] = ..., max_queued_jobs: _Optional[int] = ..., max_active_jobs_per_key: _Optional[int] = ..., result_ttl_s: _Optional[float] = ..., default_queue_timeout_s: _Optional[float] = ..., max_deadline_s: _Optional[float] = ..., trained_weights: _Optional[bool] = ..., notes: _Optional[_Iterable[str]] = ..., draft_steps: _Optional[int] = ..., draft_shift: _Optional[float] = ..., max_cache_threshold: _Optional[float] = ..., max_extended_duration_s: _Optional[float] = ..., max_preview_every: _Optional[int] = ...) -> None: ...
