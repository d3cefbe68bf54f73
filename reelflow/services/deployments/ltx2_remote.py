"""The LTX-2 family's stage calls (generate.LTX2Calls) over Ray Serve deployment handles:
PromptEncoder, JointStage and Muxer, each call one protobuf message."""

from __future__ import annotations

import time
import weakref

import torch
from ray.serve.handle import DeploymentHandle

from reelflow.pipeline.ltx2.stages import LTX2Cond, LTX2Grid, LTX2Guidance
from reelflow.services import metrics
from reelflow.services.deployments import ltx2_wire
from reelflow.services.deployments.cond_cache import cond_key
from reelflow.services.deployments.remote_stages import with_transport
from reelflow.services.deployments.wire import tensor_from_proto, tensor_to_proto
from reelflow.v1 import ltx2_stages_pb2 as pb
from reelflow.v1 import stages_pb2


class RemoteLTX2Calls:
    def __init__(self, encoder: DeploymentHandle, joint: DeploymentHandle, muxer: DeploymentHandle):
        self.encoder = with_transport(encoder)
        self.joint = with_transport(joint)
        self.muxer = with_transport(muxer)
        # each job's conditioning as a message and its content hash, made once
        self._conds: weakref.WeakKeyDictionary[LTX2Cond, tuple[pb.LTX2Conditioning, bytes]]
        self._conds = weakref.WeakKeyDictionary()

    def _cond(self, cond: LTX2Cond) -> tuple[pb.LTX2Conditioning, bytes, bool]:
        """The conditioning's message and key, and whether it was sent before."""
        if cond in self._conds:
            return *self._conds[cond], True
        message = ltx2_wire.cond_to_proto(cond)
        self._conds[cond] = (message, cond_key(message))
        return *self._conds[cond], False

    async def encode(
        self, prompt: str, negative_prompt: str, guided: bool, max_sequence_length: int
    ) -> LTX2Cond:
        request = pb.LTX2EncodeRequest(
            prompt=prompt,
            negative_prompt=negative_prompt,
            guided=guided,
            max_sequence_length=max_sequence_length,
        )
        data = await self.encoder.encode.remote(request.SerializeToString())
        return ltx2_wire.cond_from_proto(pb.LTX2Conditioning.FromString(data))

    async def velocity(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        step: int,
        steps: int,
        grid: LTX2Grid,
        cond: LTX2Cond,
        guidance: LTX2Guidance,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        message, key, sent = self._cond(cond)
        request = pb.LTX2VelocityRequest(
            xv=tensor_to_proto(xv),
            xa=tensor_to_proto(xa),
            step=step,
            steps=steps,
            grid=ltx2_wire.grid_to_proto(grid),
            guidance=ltx2_wire.guidance_to_proto(guidance),
            cond_key=key,
        )
        if mask is not None:
            request.mask.CopyFrom(tensor_to_proto(mask))
        if not sent:  # its first step: no replica holds it yet
            request.cond.CopyFrom(message)
        began = time.perf_counter()
        reply = await self._velocity(request)
        if reply.need_cond:  # a replica that has not seen it (new, restarted, or another)
            request.cond.CopyFrom(message)
            reply = await self._velocity(request)
        metrics.record_cache("conditioning", sent and not request.HasField("cond"))
        metrics.observe_step_seconds("joint", time.perf_counter() - began)
        return tensor_from_proto(reply.video), tensor_from_proto(reply.audio)

    async def _velocity(self, request: pb.LTX2VelocityRequest) -> pb.LTX2VelocityResponse:
        data = await self.joint.velocity.remote(request.SerializeToString())
        return pb.LTX2VelocityResponse.FromString(data)

    async def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        request = pb.LTX2EncodeImageRequest(image=tensor_to_proto(image))
        data = await self.muxer.encode_image.remote(request.SerializeToString())
        return tensor_from_proto(stages_pb2.TensorResponse.FromString(data).tensor)

    async def preview(self, x0: torch.Tensor, grid: LTX2Grid) -> bytes:
        request = pb.LTX2PreviewRequest(x0=tensor_to_proto(x0), grid=ltx2_wire.grid_to_proto(grid))
        data = await self.muxer.preview.remote(request.SerializeToString())
        return stages_pb2.PreviewResponse.FromString(data).jpeg

    async def decode_mp4(self, xv: torch.Tensor, xa: torch.Tensor, grid: LTX2Grid) -> bytes:
        request = pb.LTX2DecodeRequest(
            xv=tensor_to_proto(xv), xa=tensor_to_proto(xa), grid=ltx2_wire.grid_to_proto(grid)
        )
        data = await self.muxer.decode_mp4.remote(request.SerializeToString())
        return stages_pb2.MuxResponse.FromString(data).mp4
