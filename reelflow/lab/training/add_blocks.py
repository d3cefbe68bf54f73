"""Give trained networks the blocks a newer design adds, without changing what they compute.

An adaLN-Zero block regresses zero gates at its init (layers.Block), so a fresh one is the
identity once its cross-attention (which is not gated) also starts with a zero output
projection: a run state or checkpoint that lacks it gets the fresh block's tensors and computes
the same function as before, then learns to use the block. AdamW's moments are indexed by
parameter order, so a run state's are re-indexed by name; the new parameters start without
moments, as AdamW starts any parameter. `python -m reelflow.lab.training.add_blocks
--state PATH --checkpoint PATH` converts in place.

History: RayFlow gained a block per layer over every token of its window (`spacetime.`) at
step 13,460 of the tiny joint run, the DiT an input for where its frame sits in the clip
(`position.`) at step 29,915 of the DiT run, and three more blocks (depth 3 -> 6) at step
40,452 of the DiT run, where its loss had flattened.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from reelflow.pipeline.generation.stages import NETWORKS, build_network
from reelflow.pipeline.model.layers import Block, TimestepEmbedder
from reelflow.pipeline.model.presets import get_preset


def missing_tensors(net: nn.Module, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The tensors of `net` (at its fresh init) that `state` lacks. Each must belong to a whole
    missing module that starts as the identity: a block (its cross-attention's output
    projection set to zero), or an embedder of a new input whose output layer starts at zero."""
    fresh = net.state_dict()
    unknown = set(state) - set(fresh)
    if unknown:
        raise ValueError(f"the state has tensors the network does not: {sorted(unknown)[:4]}")
    missing = {name: value for name, value in fresh.items() if name not in state}
    identities = [
        f"{prefix}."
        for prefix, module in net.named_modules()
        if (isinstance(module, Block) or (isinstance(module, TimestepEmbedder) and module.zero))
        and not any(name.startswith(f"{prefix}.") for name in state)
    ]
    for name in missing:
        if not name.startswith(tuple(identities)):
            raise ValueError(f"{name} is missing and not part of a block that starts as identity")
        if name.endswith((".cross.out.weight", ".cross.out.bias")):
            missing[name] = torch.zeros_like(missing[name])
    return missing


def completed(net: nn.Module, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` with the missing blocks added, in the network's own order."""
    missing = missing_tensors(net, state)
    return {name: state[name] if name in state else missing[name] for name in net.state_dict()}


def reindexed_optimizer(net: nn.Module, old_names: list[str], optimizer: dict) -> dict:
    """An AdamW state dict over `old_names` (the parameters the net had), over all of its own."""
    names = [name for name, _ in net.named_parameters()]
    position = {name: index for index, name in enumerate(names)}
    moments = {position[old_names[index]]: m for index, m in optimizer["state"].items()}
    groups = [dict(optimizer["param_groups"][0]) | {"params": list(range(len(names)))}]
    return {"state": moments, "param_groups": groups}


def add_to_run_state(path: Path, preset: str = "tiny") -> list[str]:
    """A Trainer's state.pt, in place; returns the names of the tensors added."""
    state = torch.load(path, weights_only=False)
    added: list[str] = []
    for branch in NETWORKS:
        net = build_network(get_preset(preset), branch)
        before = state["nets"][branch]
        names = [name for name, _ in net.named_parameters()]
        old_names = [name for name in names if name in before]
        added += [f"{branch}.{n}" for n in net.state_dict() if n not in before]
        for kind in ("nets", "emas"):
            state[kind][branch] = completed(net, state[kind][branch])
        optimizer = state.get("optimizers", {}).get(branch)
        if optimizer is not None and len(old_names) < len(names):
            state["optimizers"][branch] = reindexed_optimizer(net, old_names, optimizer)
    torch.save(state, path)
    return added


def add_to_checkpoint(path: Path, preset: str = "tiny") -> list[str]:
    """A safetensors checkpoint, in place (fp16 like every exported tensor)."""
    tensors = load_file(str(path))
    added: list[str] = []
    for branch in NETWORKS:
        prefix = f"{branch}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        if not own:
            continue
        for name, value in missing_tensors(build_network(get_preset(preset), branch), own).items():
            tensors[prefix + name] = value.to(torch.float16)
            added.append(prefix + name)
    save_file(tensors, str(path))
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", type=Path, action="append", default=[])
    parser.add_argument("--state", type=Path, action="append", default=[])
    args = parser.parse_args()
    for path in args.checkpoint:
        print(path, "added", len(add_to_checkpoint(path)), "tensors")
    for path in args.state:
        print(path, "added", len(add_to_run_state(path)), "tensors")


if __name__ == "__main__":
    main()
