import numpy as np
import pytest
import torch

from reelflow.pipeline.script.parser import parse
from reelflow.pipeline.script.plan import Reference
from reelflow.services.deployments.wire import (
    cond_from_proto,
    cond_to_proto,
    plan_from_proto,
    plan_to_proto,
    tensor_from_proto,
    tensor_to_proto,
)
from reelflow.v1 import stages_pb2


@pytest.mark.parametrize(
    "tensor",
    [
        torch.randn(2, 3, 4).half(),
        torch.randn(5),
        torch.arange(7),
        torch.tensor([[True, False]]),
        torch.zeros(0, 3),
        torch.randn(4, 6).T,  # not contiguous
    ],
)
def test_tensor_round_trip_is_exact(tensor):
    message = stages_pb2.TensorResponse.FromString(
        stages_pb2.TensorResponse(tensor=tensor_to_proto(tensor)).SerializeToString()
    ).tensor
    back = tensor_from_proto(message)
    assert back.dtype == tensor.dtype and torch.equal(back, tensor)


def test_unknown_dtype_is_rejected():
    with pytest.raises(ValueError, match="dtype"):
        tensor_from_proto(stages_pb2.TensorResponse().tensor.__class__(dtype="complex64"))


def test_plan_round_trip(tiny):
    plan = parse(
        'a robot [0-1s] close-up, the robot says "hi" [1-2s] wide shot, pan left',
        fps=8,
        width=64,
        height=64,
    )
    plan = type(plan)(
        **{
            **plan.__dict__,
            "references": (
                Reference("image1", "image", "appearance", np.ones((4, 4, 3), np.uint8)),
            ),
            "negative_prompt": "blurry",
        }
    )
    back = plan_from_proto(plan_to_proto(plan))
    assert back.shots == plan.shots and back.negative_prompt == "blurry"
    assert (back.fps, back.width, back.num_frames, back.sample_rate) == (
        8,
        64,
        16,
        plan.sample_rate,
    )
    assert back.references[0].name == "image1" and np.array_equal(
        back.references[0].data, np.ones((4, 4, 3))
    )


def test_conditioning_round_trip(local_stages):
    plan = parse("[0-1s] a red circle [1-2s] a blue square", fps=8, width=64, height=64)
    cond = local_stages.encoder.encode(plan)
    back = cond_from_proto(cond_to_proto(cond))
    names = ("text_tokens", "text_mask", "text_pooled", "null_tokens", "shot_of_frame", "motion")
    for name in (*names, "appearance", "sound", "first_frame", "last_frame"):
        assert torch.equal(getattr(back, name), getattr(cond, name))
    assert back.shot_of_frame.tolist() == [0] * 8 + [1] * 8
