"""Conversions between pipeline values and the protobuf stage contracts (protos/ is the
single source of truth for what crosses a process boundary)."""

from __future__ import annotations

import numpy as np
import torch

from reelflow.pipeline.generation.conditioning import Conditioning
from reelflow.pipeline.script.plan import Camera, Dialogue, Plan, Reference, Shot
from reelflow.v1 import stages_pb2, tensor_pb2

_DTYPES = {  # wire name -> (torch dtype, numpy dtype of its bytes)
    "float16": (torch.float16, np.float16),
    "bfloat16": (torch.bfloat16, np.int16),
    "float32": (torch.float32, np.float32),
    "int64": (torch.int64, np.int64),
    "bool": (torch.bool, np.bool_),
    "uint8": (torch.uint8, np.uint8),
}
_REFERENCE_FIELDS = ("appearance", "motion", "sound", "first_frame", "last_frame")


def tensor_to_proto(x: torch.Tensor | np.ndarray) -> tensor_pb2.Tensor:
    shape, order = list(x.shape), []
    if isinstance(x, torch.Tensor):
        order = _dim_order(x)
        x = x.detach().cpu()
        if order:  # the bytes in memory order, the layout restored on arrival
            x = x.permute(order)
        x = x.contiguous()
        bf16 = x.dtype == torch.bfloat16  # numpy has none: its bits travel as int16
        array = x.view(torch.int16).numpy() if bf16 else x.numpy()
        name = "bfloat16" if bf16 else np.dtype(array.dtype).name
    else:
        array = np.ascontiguousarray(x)
        name = np.dtype(array.dtype).name
    if name not in _DTYPES:
        raise ValueError(f"unsupported tensor dtype {name}")
    return tensor_pb2.Tensor(
        dtype=name,
        shape=shape,
        data=array.astype(array.dtype.newbyteorder("<")).tobytes(),
        dim_order=order,
    )


def tensor_from_proto(message: tensor_pb2.Tensor) -> torch.Tensor:
    if message.dtype not in _DTYPES:
        raise ValueError(f"unsupported tensor dtype {message.dtype!r}")
    torch_dtype, numpy_dtype = _DTYPES[message.dtype]
    order = list(message.dim_order)
    stored = [message.shape[d] for d in order] if order else list(message.shape)
    array = np.frombuffer(message.data, dtype=np.dtype(numpy_dtype).newbyteorder("<"))
    array = array.reshape(stored).astype(np.dtype(numpy_dtype).newbyteorder("="), copy=True)
    x = torch.from_numpy(array).view(torch_dtype)
    return x.permute(np.argsort(order).tolist()) if order else x


def _dim_order(x: torch.Tensor) -> list[int]:
    """The permutation that makes a non-contiguous dense view contiguous ([] when it is
    contiguous, or not a permutation of a dense tensor: then it is copied to C order)."""
    if x.is_contiguous() or x.dim() < 2:
        return []
    order = sorted(range(x.dim()), key=lambda d: (-x.stride(d), d))
    return order if x.permute(order).is_contiguous() else []


def cond_to_proto(cond: Conditioning) -> stages_pb2.Conditioning:
    return stages_pb2.Conditioning(
        text_tokens=tensor_to_proto(cond.text_tokens),
        text_mask=tensor_to_proto(cond.text_mask),
        text_pooled=tensor_to_proto(cond.text_pooled),
        null_tokens=tensor_to_proto(cond.null_tokens),
        null_mask=tensor_to_proto(cond.null_mask),
        null_pooled=tensor_to_proto(cond.null_pooled),
        shot_of_frame=tensor_to_proto(cond.shot_of_frame),
        fps=cond.fps,
        sample_rate=cond.sample_rate,
        **{name: tensor_to_proto(getattr(cond, name)) for name in _REFERENCE_FIELDS},
    )


def cond_from_proto(message: stages_pb2.Conditioning) -> Conditioning:
    return Conditioning(
        text_tokens=tensor_from_proto(message.text_tokens),
        text_mask=tensor_from_proto(message.text_mask),
        text_pooled=tensor_from_proto(message.text_pooled),
        null_tokens=tensor_from_proto(message.null_tokens),
        null_mask=tensor_from_proto(message.null_mask),
        null_pooled=tensor_from_proto(message.null_pooled),
        shot_of_frame=tensor_from_proto(message.shot_of_frame),
        fps=message.fps,
        sample_rate=message.sample_rate,
        **{name: tensor_from_proto(getattr(message, name)) for name in _REFERENCE_FIELDS},
    )


def plan_to_proto(plan: Plan) -> stages_pb2.PlanMessage:
    return stages_pb2.PlanMessage(
        prompt=plan.prompt,
        duration_s=plan.duration_s,
        fps=plan.fps,
        width=plan.width,
        height=plan.height,
        sample_rate=plan.sample_rate,
        global_text=plan.global_text,
        negative_prompt=plan.negative_prompt,
        shots=[
            stages_pb2.ShotPlan(
                index=shot.index,
                start_s=shot.start_s,
                end_s=shot.end_s,
                start_frame=shot.start_frame,
                end_frame=shot.end_frame,
                text=shot.text,
                camera_framing=shot.camera.framing or "",
                camera_movement=shot.camera.movement or "",
                dialogue=[
                    stages_pb2.Dialogue(speaker=d.speaker or "", text=d.text) for d in shot.dialogue
                ],
                mentions=list(shot.mentions),
                span_start=shot.span[0],
                span_end=shot.span[1],
            )
            for shot in plan.shots
        ],
        references=[
            stages_pb2.ReferenceTensor(
                name=ref.name, kind=ref.kind, role=ref.role or "", data=tensor_to_proto(ref.data)
            )
            for ref in plan.references
        ],
    )


def plan_from_proto(message: stages_pb2.PlanMessage) -> Plan:
    return Plan(
        prompt=message.prompt,
        duration_s=message.duration_s,
        fps=message.fps,
        width=message.width,
        height=message.height,
        sample_rate=message.sample_rate,
        global_text=message.global_text,
        negative_prompt=message.negative_prompt,
        shots=tuple(
            Shot(
                index=shot.index,
                start_s=shot.start_s,
                end_s=shot.end_s,
                start_frame=shot.start_frame,
                end_frame=shot.end_frame,
                text=shot.text,
                camera=Camera(shot.camera_framing or None, shot.camera_movement or None),
                dialogue=tuple(Dialogue(d.speaker or None, d.text) for d in shot.dialogue),
                mentions=tuple(shot.mentions),
                span=(shot.span_start, shot.span_end),
            )
            for shot in message.shots
        ),
        references=tuple(
            Reference(
                name=ref.name,
                kind=ref.kind,
                role=ref.role or None,
                data=tensor_from_proto(ref.data).numpy(),
            )
            for ref in message.references
        ),
    )
