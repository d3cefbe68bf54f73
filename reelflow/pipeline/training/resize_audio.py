"""Resize trained networks to an audio latent with another number of MDCT bins.

The audio latent's first bins are the same whatever the number kept (the MDCT's rows do not
depend on it). Widening gives the layers that read the latent zero input columns and the layer
that writes it zero output rows, so on the old bins every output is unchanged and the new bins
start at a velocity of zero; narrowing drops them again. `python -m
reelflow.pipeline.training.resize_audio --bins N` converts checkpoints and run states in place;
a latent cache keeps its reference sound tokens at the width it was built with: rebuild it.

History: the tiny preset went from 80 bins (0-2 kHz: rain measured as a hum even in a round trip)
to all 320, and back after 3,000 steps. A token of 320 coefficients does not fit through the
128-wide audio branch: its loss on the new bins stayed at the level of predicting zero, so every
clip kept a hiss of undenoised noise above 2 kHz. Full band needs a compact learned audio latent.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from reelflow.pipeline.generation.stages import audio_network, spatial_network, temporal_network
from reelflow.pipeline.model.presets import get_preset

# (branch, parameter) -> the axis that runs over the audio latent's bins
AUDIO_AXES = {
    ("audio", "embed.weight"): 1,
    ("audio", "final.proj.weight"): 0,
    ("audio", "final.proj.bias"): 0,
    ("audio", "context.proj.sound.weight"): 1,  # reference sound tokens are audio latents too
    ("temporal", "audio.0.weight"): 1,
}


def resize(tensor: torch.Tensor, axis: int, bins: int) -> torch.Tensor:
    """`axis` of `tensor` zero-padded or cut to `bins`."""
    missing = bins - tensor.shape[axis]
    if missing <= 0:
        return tensor.narrow(axis, 0, bins).clone()
    return F.pad(tensor, [0, 0] * (tensor.ndim - 1 - axis) + [0, missing])


def resize_net(branch: str, state: dict[str, torch.Tensor], bins: int) -> dict[str, torch.Tensor]:
    """One branch's state dict (unprefixed names), resized."""
    return {
        name: resize(value, AUDIO_AXES[(branch, name)], bins)
        if (branch, name) in AUDIO_AXES
        else value
        for name, value in state.items()
    }


def resize_checkpoint(path: Path, bins: int) -> None:
    tensors = load_file(str(path))
    for (branch, name), axis in AUDIO_AXES.items():
        key = f"{branch}.{name}"
        if key in tensors:
            tensors[key] = resize(tensors[key], axis, bins)
    if "audio_codec.bin_scale" in tensors:  # per bin; a widened one is refitted by the next run
        scale = tensors.pop("audio_codec.bin_scale")
        if bins <= len(scale):
            tensors["audio_codec.bin_scale"] = scale[:bins].clone()
    save_file(tensors, str(path))


def resize_run_state(path: Path, bins: int) -> None:
    """A Trainer's state.pt: nets, EMAs and the AdamW moments of the widened parameters."""
    state = torch.load(path, weights_only=False)
    nets = {"spatial": spatial_network, "temporal": temporal_network, "audio": audio_network}
    for kind in ("nets", "emas"):
        state[kind] = {b: resize_net(b, s, bins) for b, s in state[kind].items()}
    for branch, optimizer in state.get("optimizers", {}).items():
        # parameter names in the order AdamW indexes them (a state dict also holds buffers)
        names = [name for name, _ in nets[branch](get_preset("tiny")).named_parameters()]
        for index, moments in optimizer["state"].items():
            key = (branch, names[index])
            if key in AUDIO_AXES:
                for moment in ("exp_avg", "exp_avg_sq"):
                    moments[moment] = resize(moments[moment], AUDIO_AXES[key], bins)
    scale = state.get("audio_bin_scale")
    fits = scale is not None and bins <= len(scale)
    state["audio_bin_scale"] = scale[:bins].clone() if fits else None  # else refitted at start
    torch.save(state, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bins", type=int, required=True)
    parser.add_argument("--checkpoint", type=Path, action="append", default=[])
    parser.add_argument("--state", type=Path, action="append", default=[])
    args = parser.parse_args()
    for path in args.checkpoint:
        resize_checkpoint(path, args.bins)
    for path in args.state:
        resize_run_state(path, args.bins)


if __name__ == "__main__":
    main()
