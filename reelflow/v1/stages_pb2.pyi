from reelflow.v1 import tensor_pb2 as _tensor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Dialogue(_message.Message):
    __slots__ = ("speaker", "text")
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    speaker: str
    text: str
    def __init__(self, speaker: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ShotPlan(_message.Message):
    __slots__ = ("index", "start_s", "end_s", "start_frame", "end_frame", "text", "camera_framing", "camera_movement", "dialogue", "mentions", "span_start", "span_end")
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
    SPAN_START_FIELD_NUMBER: _ClassVar[int]
    SPAN_END_FIELD_NUMBER: _ClassVar[int]
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
    span_start: int
    span_end: int
    def __init__(self, index: _Optional[int] = ..., start_s: _Optional[float] = ..., end_s: _Optional[float] = ..., start_frame: _Optional[int] = ..., end_frame: _Optional[int] = ..., text: _Optional[str] = ..., camera_framing: _Optional[str] = ..., camera_movement: _Optional[str] = ..., dialogue: _Optional[_Iterable[_Union[Dialogue, _Mapping]]] = ..., mentions: _Optional[_Iterable[str]] = ..., span_start: _Optional[int] = ..., span_end: _Optional[int] = ...) -> None: ...

class ReferenceTensor(_message.Message):
    __slots__ = ("name", "kind", "role", "data")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    role: str
    data: _tensor_pb2.Tensor
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., role: _Optional[str] = ..., data: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class PlanMessage(_message.Message):
    __slots__ = ("prompt", "duration_s", "fps", "width", "height", "sample_rate", "shots", "references", "global_text", "negative_prompt")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    SHOTS_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_TEXT_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    duration_s: float
    fps: int
    width: int
    height: int
    sample_rate: int
    shots: _containers.RepeatedCompositeFieldContainer[ShotPlan]
    references: _containers.RepeatedCompositeFieldContainer[ReferenceTensor]
    global_text: str
    negative_prompt: str
    def __init__(self, prompt: _Optional[str] = ..., duration_s: _Optional[float] = ..., fps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., sample_rate: _Optional[int] = ..., shots: _Optional[_Iterable[_Union[ShotPlan, _Mapping]]] = ..., references: _Optional[_Iterable[_Union[ReferenceTensor, _Mapping]]] = ..., global_text: _Optional[str] = ..., negative_prompt: _Optional[str] = ...) -> None: ...

class EncodeRequest(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: PlanMessage
    def __init__(self, plan: _Optional[_Union[PlanMessage, _Mapping]] = ...) -> None: ...

class Conditioning(_message.Message):
    __slots__ = ("text_tokens", "text_mask", "text_pooled", "null_tokens", "null_mask", "null_pooled", "shot_of_frame", "fps", "sample_rate", "appearance", "motion", "sound", "first_frame", "last_frame")
    TEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEXT_MASK_FIELD_NUMBER: _ClassVar[int]
    TEXT_POOLED_FIELD_NUMBER: _ClassVar[int]
    NULL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    NULL_MASK_FIELD_NUMBER: _ClassVar[int]
    NULL_POOLED_FIELD_NUMBER: _ClassVar[int]
    SHOT_OF_FRAME_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    APPEARANCE_FIELD_NUMBER: _ClassVar[int]
    MOTION_FIELD_NUMBER: _ClassVar[int]
    SOUND_FIELD_NUMBER: _ClassVar[int]
    FIRST_FRAME_FIELD_NUMBER: _ClassVar[int]
    LAST_FRAME_FIELD_NUMBER: _ClassVar[int]
    text_tokens: _tensor_pb2.Tensor
    text_mask: _tensor_pb2.Tensor
    text_pooled: _tensor_pb2.Tensor
    null_tokens: _tensor_pb2.Tensor
    null_mask: _tensor_pb2.Tensor
    null_pooled: _tensor_pb2.Tensor
    shot_of_frame: _tensor_pb2.Tensor
    fps: int
    sample_rate: int
    appearance: _tensor_pb2.Tensor
    motion: _tensor_pb2.Tensor
    sound: _tensor_pb2.Tensor
    first_frame: _tensor_pb2.Tensor
    last_frame: _tensor_pb2.Tensor
    def __init__(self, text_tokens: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., text_mask: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., text_pooled: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., null_tokens: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., null_mask: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., null_pooled: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., shot_of_frame: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., fps: _Optional[int] = ..., sample_rate: _Optional[int] = ..., appearance: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., motion: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., sound: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., first_frame: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., last_frame: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class KeyframesRequest(_message.Message):
    __slots__ = ("cond", "seed", "steps", "guidance", "shift", "height", "width")
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
    def __init__(self, cond: _Optional[_Union[Conditioning, _Mapping]] = ..., seed: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., shift: _Optional[float] = ..., height: _Optional[int] = ..., width: _Optional[int] = ...) -> None: ...

class VideoVelocityRequest(_message.Message):
    __slots__ = ("xv", "xa", "t", "cond", "keyframes", "guidance", "window_phase")
    XV_FIELD_NUMBER: _ClassVar[int]
    XA_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    KEYFRAMES_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_PHASE_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    xa: _tensor_pb2.Tensor
    t: float
    cond: Conditioning
    keyframes: _tensor_pb2.Tensor
    guidance: float
    window_phase: int
    def __init__(self, xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., xa: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., t: _Optional[float] = ..., cond: _Optional[_Union[Conditioning, _Mapping]] = ..., keyframes: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., guidance: _Optional[float] = ..., window_phase: _Optional[int] = ...) -> None: ...

class AudioVelocityRequest(_message.Message):
    __slots__ = ("xa", "xv", "t", "cond", "guidance", "window_phase")
    XA_FIELD_NUMBER: _ClassVar[int]
    XV_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_PHASE_FIELD_NUMBER: _ClassVar[int]
    xa: _tensor_pb2.Tensor
    xv: _tensor_pb2.Tensor
    t: float
    cond: Conditioning
    guidance: float
    window_phase: int
    def __init__(self, xa: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., t: _Optional[float] = ..., cond: _Optional[_Union[Conditioning, _Mapping]] = ..., guidance: _Optional[float] = ..., window_phase: _Optional[int] = ...) -> None: ...

class SpatialVelocityRequest(_message.Message):
    __slots__ = ("xv", "t", "cond", "guidance")
    XV_FIELD_NUMBER: _ClassVar[int]
    T_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    t: float
    cond: Conditioning
    guidance: float
    def __init__(self, xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., t: _Optional[float] = ..., cond: _Optional[_Union[Conditioning, _Mapping]] = ..., guidance: _Optional[float] = ...) -> None: ...

class TensorResponse(_message.Message):
    __slots__ = ("tensor",)
    TENSOR_FIELD_NUMBER: _ClassVar[int]
    tensor: _tensor_pb2.Tensor
    def __init__(self, tensor: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class MuxRequest(_message.Message):
    __slots__ = ("xv", "xa", "fps", "sample_rate", "num_samples")
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
    def __init__(self, xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., xa: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., fps: _Optional[int] = ..., sample_rate: _Optional[int] = ..., num_samples: _Optional[int] = ...) -> None: ...

class MuxResponse(_message.Message):
    __slots__ = ("mp4",)
    MP4_FIELD_NUMBER: _ClassVar[int]
    mp4: bytes
    def __init__(self, mp4: _Optional[bytes] = ...) -> None: ...

class EncodeSourceRequest(_message.Message):
    __slots__ = ("mp4", "fps", "width", "height", "sample_rate")
    MP4_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_FIELD_NUMBER: _ClassVar[int]
    mp4: bytes
    fps: int
    width: int
    height: int
    sample_rate: int
    def __init__(self, mp4: _Optional[bytes] = ..., fps: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., sample_rate: _Optional[int] = ...) -> None: ...

class EncodeSourceResponse(_message.Message):
    __slots__ = ("xv", "xa")
    XV_FIELD_NUMBER: _ClassVar[int]
    XA_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    xa: _tensor_pb2.Tensor
    def __init__(self, xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., xa: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class PreviewRequest(_message.Message):
    __slots__ = ("x0",)
    X0_FIELD_NUMBER: _ClassVar[int]
    x0: _tensor_pb2.Tensor
    def __init__(self, x0: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class PreviewResponse(_message.Message):
    __slots__ = ("jpeg",)
    JPEG_FIELD_NUMBER: _ClassVar[int]
    jpeg: bytes
    def __init__(self, jpeg: _Optional[bytes] = ...) -> None: ...
