"""Adding identity blocks to trained networks keeps what they compute; nothing else is added."""

import pytest
import torch
from torch import nn

from reelflow.lab.training.add_blocks import completed, reindexed_optimizer
from reelflow.pipeline.model.temporal_rayflow import TemporalRayFlow
from reelflow.pipeline.model.weights import seeded_init
from tests.pipeline.model.test_networks import CA, CONFIG, C, temporal_inputs


class Identity(nn.Module):
    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return x


def _trained_without_spacetime() -> tuple[TemporalRayFlow, dict[str, torch.Tensor]]:
    """A net whose every other weight is non-zero, and its state as a run from before."""
    old = TemporalRayFlow(CONFIG, C, CA).eval()
    seeded_init(old, 9)  # non-zero gates everywhere else: every old path counts
    state = {k: v for k, v in old.state_dict().items() if not k.startswith("spacetime.")}
    old.spacetime = nn.ModuleList(Identity() for _ in range(CONFIG.depth))
    return old, state


def test_added_spacetime_blocks_leave_the_velocity_unchanged():
    old, state = _trained_without_spacetime()
    new = TemporalRayFlow(CONFIG, C, CA).eval()
    new.load_state_dict(completed(new, state))
    with torch.no_grad():
        before, after = old(**temporal_inputs()), new(**temporal_inputs())
    assert before.abs().mean() > 1e-3
    torch.testing.assert_close(after, before, rtol=0, atol=0)


def test_a_missing_tensor_outside_an_identity_block_is_refused():
    _, state = _trained_without_spacetime()
    del state["embed.weight"]
    with pytest.raises(ValueError, match=r"embed\.weight"):
        completed(TemporalRayFlow(CONFIG, C, CA), state)
    _, state = _trained_without_spacetime()
    del state["spatial.0.cross.out.weight"]  # part of a block the state has: not a new block
    with pytest.raises(ValueError, match=r"spatial\.0"):
        completed(TemporalRayFlow(CONFIG, C, CA), state)


def test_adam_moments_follow_their_parameters_by_name():
    net = TemporalRayFlow(CONFIG, C, CA)
    names = [name for name, _ in net.named_parameters()]
    old_names = [name for name in names if not name.startswith("spacetime.")]
    moments = {
        i: {"step": torch.tensor(1.0), "exp_avg": torch.full((1,), float(i))}
        for i in range(len(old_names))
    }
    optimizer = {
        "state": moments,
        "param_groups": [{"lr": 1e-3, "params": list(range(len(old_names)))}],
    }
    out = reindexed_optimizer(net, old_names, optimizer)
    assert out["param_groups"][0]["params"] == list(range(len(names)))
    assert len(out["state"]) == len(old_names)
    for index, moment in out["state"].items():
        assert names[index] == old_names[int(moment["exp_avg"].item())]
    torch.optim.AdamW(net.parameters()).load_state_dict(out)  # loads as a state of this net


def test_an_added_zero_input_embedder_leaves_the_dit_unchanged():
    from reelflow.pipeline.model.spatial_dit import SpatialDiT
    from tests.pipeline.model.test_networks import spatial_inputs

    old = SpatialDiT(CONFIG, C).eval()
    seeded_init(old, 3)
    state = {k: v for k, v in old.state_dict().items() if not k.startswith("position.")}
    new = SpatialDiT(CONFIG, C).eval()
    new.load_state_dict(completed(new, state))
    inputs = spatial_inputs()
    with torch.no_grad():
        torch.nn.init.zeros_(old.position.mlp[2].weight)  # the old net had no such input
        torch.nn.init.zeros_(old.position.mlp[2].bias)
        before = old(**inputs)
        after = new(**inputs, position=torch.tensor([0.0, 0.5, 1.0]))
    assert before.abs().mean() > 1e-3
    torch.testing.assert_close(after, before, rtol=0, atol=0)


def test_added_dit_blocks_with_cross_attention_leave_the_dit_unchanged():
    from dataclasses import replace

    from reelflow.pipeline.model.spatial_dit import SpatialDiT
    from tests.pipeline.model.test_networks import spatial_inputs

    old = SpatialDiT(CONFIG, C).eval()
    seeded_init(old, 5)
    deeper = SpatialDiT(replace(CONFIG, depth=CONFIG.depth + 2), C).eval()
    state = completed(deeper, old.state_dict())
    assert torch.count_nonzero(state[f"blocks.{CONFIG.depth}.cross.out.weight"]) == 0
    deeper.load_state_dict(state)
    with torch.no_grad():
        before, after = old(**spatial_inputs()), deeper(**spatial_inputs())
    assert before.abs().mean() > 1e-3
    torch.testing.assert_close(after, before, rtol=0, atol=0)
