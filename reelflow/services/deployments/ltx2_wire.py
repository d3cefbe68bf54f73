"""Conversions between the LTX-2 family's stage values and their protobuf contracts
(protos/reelflow/v1/ltx2_stages.proto)."""

from __future__ import annotations

from dataclasses import asdict

from reelflow.pipeline.ltx2.stages import LTX2Cond, LTX2Grid, LTX2Guidance
from reelflow.services.deployments.wire import tensor_from_proto, tensor_to_proto
from reelflow.v1 import ltx2_stages_pb2 as pb


def grid_to_proto(grid: LTX2Grid) -> pb.LTX2Grid:
    return pb.LTX2Grid(**asdict(grid))


def grid_from_proto(message: pb.LTX2Grid) -> LTX2Grid:
    return LTX2Grid(**{name: getattr(message, name) for name in LTX2Grid.__dataclass_fields__})


def guidance_to_proto(guidance: LTX2Guidance) -> pb.LTX2Guidance:
    return pb.LTX2Guidance(**asdict(guidance))


def guidance_from_proto(message: pb.LTX2Guidance) -> LTX2Guidance:
    fields = {name: getattr(message, name) for name in LTX2Guidance.__dataclass_fields__}
    return LTX2Guidance(**{**fields, "stg_blocks": tuple(message.stg_blocks)})


def cond_to_proto(cond: LTX2Cond) -> pb.LTX2Conditioning:
    return pb.LTX2Conditioning(
        video=tensor_to_proto(cond.video),
        audio=tensor_to_proto(cond.audio),
        mask=tensor_to_proto(cond.mask),
    )


def cond_from_proto(message: pb.LTX2Conditioning) -> LTX2Cond:
    return LTX2Cond(
        tensor_from_proto(message.video),
        tensor_from_proto(message.audio),
        tensor_from_proto(message.mask),
    )
