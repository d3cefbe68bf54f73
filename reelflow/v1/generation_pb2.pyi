from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf.internal import containers as _containers

DESCRIPTOR: _descriptor.FileDescriptor

class ReferenceFile(_message.Message):
    __slots__ = ("data", "name", "role")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    data: bytes
    role: str
    def __init__(
        self, name: str | None = ..., data: bytes | None = ..., role: str | None = ...
    ) -> None: ...

class GenerateRequest(_message.Message):
    __slots__ = (
        "duration_s",
        "fps",
        "guidance",
        "height",
        "prompt",
        "references",
        "seed",
        "steps",
        "width",
    )
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
    def __init__(
        self,
        prompt: str | None = ...,
        duration_s: float | None = ...,
        fps: int | None = ...,
        width: int | None = ...,
        height: int | None = ...,
        seed: int | None = ...,
        steps: int | None = ...,
        guidance: float | None = ...,
        references: _Iterable[ReferenceFile | _Mapping] | None = ...,
    ) -> None: ...

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
    def __init__(
        self,
        job_id: str | None = ...,
        num_frames: int | None = ...,
        num_shots: int | None = ...,
        seed: int | None = ...,
    ) -> None: ...

class Progress(_message.Message):
    __slots__ = ("elapsed_s", "stage", "step", "total")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    stage: str
    step: int
    total: int
    elapsed_s: float
    def __init__(
        self,
        stage: str | None = ...,
        step: int | None = ...,
        total: int | None = ...,
        elapsed_s: float | None = ...,
    ) -> None: ...

class VideoResult(_message.Message):
    __slots__ = (
        "duration_s",
        "fps",
        "height",
        "mp4",
        "num_frames",
        "sample_rate",
        "seed",
        "stage_seconds",
        "width",
    )
    class StageSecondsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: str | None = ..., value: float | None = ...) -> None: ...

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
    def __init__(
        self,
        mp4: bytes | None = ...,
        duration_s: float | None = ...,
        fps: int | None = ...,
        width: int | None = ...,
        height: int | None = ...,
        sample_rate: int | None = ...,
        num_frames: int | None = ...,
        seed: int | None = ...,
        stage_seconds: _Mapping[str, float] | None = ...,
    ) -> None: ...

class GenerateEvent(_message.Message):
    __slots__ = ("accepted", "progress", "result")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    accepted: Accepted
    progress: Progress
    result: VideoResult
    def __init__(
        self,
        accepted: Accepted | _Mapping | None = ...,
        progress: Progress | _Mapping | None = ...,
        result: VideoResult | _Mapping | None = ...,
    ) -> None: ...
