from reelflow.v1 import tensor_pb2 as _tensor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LTX2Grid(_message.Message):
    __slots__ = ("num_frames", "height", "width", "frame_rate", "latent_frames", "latent_height", "latent_width", "audio_frames", "mel_bins")
    NUM_FRAMES_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    FRAME_RATE_FIELD_NUMBER: _ClassVar[int]
    LATENT_FRAMES_FIELD_NUMBER: _ClassVar[int]
    LATENT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LATENT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FRAMES_FIELD_NUMBER: _ClassVar[int]
    MEL_BINS_FIELD_NUMBER: _ClassVar[int]
    num_frames: int
    height: int
    width: int
    frame_rate: float
    latent_frames: int
    latent_height: int
    latent_width: int
    audio_frames: int
    mel_bins: int
    def __init__(self, num_frames: _Optional[int] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., frame_rate: _Optional[float] = ..., latent_frames: _Optional[int] = ..., latent_height: _Optional[int] = ..., latent_width: _Optional[int] = ..., audio_frames: _Optional[int] = ..., mel_bins: _Optional[int] = ...) -> None: ...

class LTX2Guidance(_message.Message):
    __slots__ = ("video", "audio", "stg", "audio_stg", "stg_blocks", "modality", "audio_modality", "video_rescale", "audio_rescale", "cross_timestep")
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    STG_FIELD_NUMBER: _ClassVar[int]
    AUDIO_STG_FIELD_NUMBER: _ClassVar[int]
    STG_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MODALITY_FIELD_NUMBER: _ClassVar[int]
    AUDIO_MODALITY_FIELD_NUMBER: _ClassVar[int]
    VIDEO_RESCALE_FIELD_NUMBER: _ClassVar[int]
    AUDIO_RESCALE_FIELD_NUMBER: _ClassVar[int]
    CROSS_TIMESTEP_FIELD_NUMBER: _ClassVar[int]
    video: float
    audio: float
    stg: float
    audio_stg: float
    stg_blocks: _containers.RepeatedScalarFieldContainer[int]
    modality: float
    audio_modality: float
    video_rescale: float
    audio_rescale: float
    cross_timestep: bool
    def __init__(self, video: _Optional[float] = ..., audio: _Optional[float] = ..., stg: _Optional[float] = ..., audio_stg: _Optional[float] = ..., stg_blocks: _Optional[_Iterable[int]] = ..., modality: _Optional[float] = ..., audio_modality: _Optional[float] = ..., video_rescale: _Optional[float] = ..., audio_rescale: _Optional[float] = ..., cross_timestep: _Optional[bool] = ...) -> None: ...

class LTX2EncodeRequest(_message.Message):
    __slots__ = ("prompt", "negative_prompt", "guided", "max_sequence_length")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    GUIDED_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    negative_prompt: str
    guided: bool
    max_sequence_length: int
    def __init__(self, prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., guided: _Optional[bool] = ..., max_sequence_length: _Optional[int] = ...) -> None: ...

class LTX2Conditioning(_message.Message):
    __slots__ = ("video", "audio", "mask")
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    video: _tensor_pb2.Tensor
    audio: _tensor_pb2.Tensor
    mask: _tensor_pb2.Tensor
    def __init__(self, video: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., audio: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., mask: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class LTX2VelocityRequest(_message.Message):
    __slots__ = ("xv", "xa", "step", "steps", "grid", "cond", "guidance", "mask", "cond_key")
    XV_FIELD_NUMBER: _ClassVar[int]
    XA_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    COND_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    COND_KEY_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    xa: _tensor_pb2.Tensor
    step: int
    steps: int
    grid: LTX2Grid
    cond: LTX2Conditioning
    guidance: LTX2Guidance
    mask: _tensor_pb2.Tensor
    cond_key: bytes
    def __init__(self, xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., xa: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., step: _Optional[int] = ..., steps: _Optional[int] = ..., grid: _Optional[_Union[LTX2Grid, _Mapping]] = ..., cond: _Optional[_Union[LTX2Conditioning, _Mapping]] = ..., guidance: _Optional[_Union[LTX2Guidance, _Mapping]] = ..., mask: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., cond_key: _Optional[bytes] = ...) -> None: ...

class LTX2VelocityResponse(_message.Message):
    __slots__ = ("video", "audio", "need_cond")
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    NEED_COND_FIELD_NUMBER: _ClassVar[int]
    video: _tensor_pb2.Tensor
    audio: _tensor_pb2.Tensor
    need_cond: bool
    def __init__(self, video: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., audio: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., need_cond: _Optional[bool] = ...) -> None: ...

class LTX2EncodeImageRequest(_message.Message):
    __slots__ = ("image",)
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    image: _tensor_pb2.Tensor
    def __init__(self, image: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...

class LTX2PreviewRequest(_message.Message):
    __slots__ = ("x0", "grid")
    X0_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    x0: _tensor_pb2.Tensor
    grid: LTX2Grid
    def __init__(self, x0: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., grid: _Optional[_Union[LTX2Grid, _Mapping]] = ...) -> None: ...

class LTX2DecodeRequest(_message.Message):
    __slots__ = ("xv", "xa", "grid")
    XV_FIELD_NUMBER: _ClassVar[int]
    XA_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    xv: _tensor_pb2.Tensor
    xa: _tensor_pb2.Tensor
    grid: LTX2Grid
    def __init__(self, xv: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., xa: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ..., grid: _Optional[_Union[LTX2Grid, _Mapping]] = ...) -> None: ...
