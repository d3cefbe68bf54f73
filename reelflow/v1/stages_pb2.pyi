from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf.internal import containers as _containers

from reelflow.v1 import tensor_pb2 as _tensor_pb2

DESCRIPTOR: _descriptor.FileDescriptor

class Dialogue(_message.Message):
    __slots__ = ("speaker", "text")
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    speaker: str
    text: str
    def __init__(self, speaker: str | None = ..., text: str | None = ...) -> None: ...

class ShotPlan(_message.Message):
    __slots__ = (
        "camera_framing",
        "camera_movement",
        "dialogue",
        "end_frame",
        "end_s",
        "index",
        "mentions",
        "start_frame",
        "start_s",
        "text",
    )
    INDEX_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    END_S_FIELD_NUMBER: _ClassVar[int]
    START_FRAME_FIELD_NUMBER: _ClassVar[int]
    END_FRAME_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CAMERA_FRAMING_FIELD_NUMBER: _ClassVar[int]
    CAMERA_MOVEMENT_FIELD_NUMBER: _ClassVar[int]
    DIALOGUE_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    index: int
    start_s: float
    end_s: float
    start_frame: int
    end_frame: int
    text: str
    camera_framing: str
    camera_movement: str
    dialogue: _containers.RepeatedCompositeFieldContainer[Dialogue]
    mentions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(
        self,
        index: int | None = ...,
        start_s: float | None = ...,
        end_s: float | None = ...,
        start_frame: int | None = ...,
        end_frame: int | None = ...,
        text: str | None = ...,
        camera_framing: str | None = ...,
        camera_movement: str | None = ...,
        dialogue: _Iterable[Dialogue | _Mapping] | None = ...,
        mentions: _Iterable[str] | None = ...,
    ) -> None: ...

class ReferenceTensor(_message.Message):
    __slots__ = ("data", "kind", "name", "role")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    role: str
    data: _tensor_pb2.Tensor
    def __init__(
        self,
        name: str | None = ...,
        kind: str | None = ...,
        role: str | None = ...,
        data: _tensor_pb2.Tensor | _Mapping | None = ...,
    ) -> None: ...

class PlanMessage(_message.Message):
    __slots__ = (
        "duration_s",
        "fps",
        "global_text",
        "height",
        "prompt",
        "references",
        "sample_rate",
        "shots",
        "width",
    )
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    SHOTS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_TEXT_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    duration_s: float
    fps: int
    width: int
    height: int
    sample_rate: int
    shots: _containers.RepeatedCompositeFieldContainer[ShotPlan]
    references: _containers.RepeatedCompositeFieldContainer[ReferenceTensor]
    global_text: str
    def __init__(
        self,
        prompt: str | None = ...,
        duration_s: float | None = ...,
        fps: int | None = ...,
        width: int | None = ...,
        height: int | None = ...,
        sample_rate: int | None = ...,
        shots: _Iterable[ShotPlan | _Mapping] | None = ...,
        references: _Iterable[ReferenceTensor | _Mapping] | None = ...,
        global_text: str | None = ...,
    ) -> None: ...

class EncodeRequest(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: PlanMessage
    def __init__(self, plan: PlanMessage | _Mapping | None = ...) -> None: ...

class Conditioning(_message.Message):
    __slots__ = (
        "fps",
        "null_mask",
        "null_pooled",
        "null_tokens",
        "sample_rate",
        "shot_of_frame",
        "text_mask",
        "text_pooled",
        "text_tokens",
    )
    TEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEXT_MASK_FIELD_NUMBER: _ClassVar[int]
    TEXT_POOLED_FIELD_NUMBER: _ClassVar[int]
    NULL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    NULL_MASK_FIELD_NUMBER: _ClassVar[int]
    NULL_POOLED_FIELD_NUMBER: _ClassVar[int]
    SHOT_OF_FRAME_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    text_tokens: _tensor_pb2.Tensor
    text_mask: _tensor_pb2.Tensor
    text_pooled: _tensor_pb2.Tensor
    null_tokens: _tensor_pb2.Tensor
    null_mask: _tensor_pb2.Tensor
    null_pooled: _tensor_pb2.Tensor
    shot_of_frame: _tensor_pb2.Tensor
    fps: int
    sample_rate: int
    def __init__(
        self,
        text_tokens: _tensor_pb2.Tensor | _Mapping | None = ...,
        text_mask: _tensor_pb2.Tensor | _Mapping | None = ...,
        text_pooled: _tensor_pb2.Tensor | _Mapping | None = ...,
        null_tokens: _tensor_pb2.Tensor | _Mapping | None = ...,
        null_mask: _tensor_pb2.Tensor | _Mapping | None = ...,
        null_pooled: _tensor_pb2.Tensor | _Mapping | None = ...,
        shot_of_frame: _tensor_pb2.Tensor | _Mapping | None = ...,
        fps: int | None = ...,
        sample_rate: int | None = ...,
    ) -> None: ...

class KeyframesRequest(_message.Message):
    __slots__ = ("cond", "guidance", "height", "seed", "shift", "steps", "width")
    COND_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    cond: Conditioning
    seed: int
    steps: int
    guidance: float
    shift: float
    height: int
    width: int
    def __init__(
        self,
        cond: Conditioning | _Mapping | None = ...,
        seed: int | None = ...,
        steps: int | None = ...,
        guidance: float | None = ...,
        shift: float | None = ...,
        height: int | None = ...,
        width: int | None = ...,
    ) -> None: ...

class VideoVelocityRequest(_message.Message):
    __slots__ = ("cond", "guidance", "keyframes", "t", "xa", "xv")
    XV_FIELD_NUMBER: _ClassVar[int]
    XA_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    KEYFRAMES_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    xa: _tensor_pb2.Tensor
    t: float
    cond: Conditioning
    keyframes: _tensor_pb2.Tensor
    guidance: float
    def __init__(
        self,
        xv: _tensor_pb2.Tensor | _Mapping | None = ...,
        xa: _tensor_pb2.Tensor | _Mapping | None = ...,
        t: float | None = ...,
        cond: Conditioning | _Mapping | None = ...,
        keyframes: _tensor_pb2.Tensor | _Mapping | None = ...,
        guidance: float | None = ...,
    ) -> None: ...

class AudioVelocityRequest(_message.Message):
    __slots__ = ("cond", "guidance", "t", "xa", "xv")
    XA_FIELD_NUMBER: _ClassVar[int]
    XV_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    xa: _tensor_pb2.Tensor
    xv: _tensor_pb2.Tensor
    t: float
    cond: Conditioning
    guidance: float
    def __init__(
        self,
        xa: _tensor_pb2.Tensor | _Mapping | None = ...,
        xv: _tensor_pb2.Tensor | _Mapping | None = ...,
        t: float | None = ...,
        cond: Conditioning | _Mapping | None = ...,
        guidance: float | None = ...,
    ) -> None: ...

class SpatialVelocityRequest(_message.Message):
    __slots__ = ("cond", "guidance", "t", "xv")
    XV_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    t: float
    cond: Conditioning
    guidance: float
    def __init__(
        self,
        xv: _tensor_pb2.Tensor | _Mapping | None = ...,
        t: float | None = ...,
        cond: Conditioning | _Mapping | None = ...,
        guidance: float | None = ...,
    ) -> None: ...

class TensorResponse(_message.Message):
    __slots__ = ("tensor",)
    TENSOR_FIELD_NUMBER: _ClassVar[int]
    tensor: _tensor_pb2.Tensor
    def __init__(self, tensor: _tensor_pb2.Tensor | _Mapping | None = ...) -> None: ...

class MuxRequest(_message.Message):
    __slots__ = ("fps", "num_samples", "sample_rate", "xa", "xv")
    XV_FIELD_NUMBER: _ClassVar[int]
    XA_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    NUM_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    xa: _tensor_pb2.Tensor
    fps: int
    sample_rate: int
    num_samples: int
    def __init__(
        self,
        xv: _tensor_pb2.Tensor | _Mapping | None = ...,
        xa: _tensor_pb2.Tensor | _Mapping | None = ...,
        fps: int | None = ...,
        sample_rate: int | None = ...,
        num_samples: int | None = ...,
    ) -> None: ...

class MuxResponse(_message.Message):
    __slots__ = ("mp4",)
    MP4_FIELD_NUMBER: _ClassVar[int]
    mp4: bytes
    def __init__(self, mp4: bytes | None = ...) -> None: ...
