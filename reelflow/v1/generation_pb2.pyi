from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReferenceFile(_message.Message):
    __slots__ = ("name", "data", "role")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    data: bytes
    role: str
    def __init__(self, name: _Optional[str] = ..., data: _Optional[bytes] = ..., role: _Optional[str] = ...) -> None: ...

class GenerateRequest(_message.Message):
    __slots__ = ("prompt", "duration_s", "fps", "width", "height", "seed", "steps", "guidance", "references")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    duration_s: float
    fps: int
    width: int
    height: int
    seed: int
    steps: int
    guidance: float
    references: _containers.RepeatedCompositeFieldContainer[ReferenceFile]
    def __init__(self, prompt: _Optional[str] = ..., duration_s: _Optional[float] = ..., fps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., seed: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., references: _Optional[_Iterable[_Union[ReferenceFile, _Mapping]]] = ...) -> None: ...

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
