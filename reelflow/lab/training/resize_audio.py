"""Resize trained networks to an audio latent with another number of channels.

The audio latent's first channels are the same whatever follows them (the MDCT's rows do not
depend on how many are kept, and noise-filled levels come after the kept bins). Widening gives
the layers that read the latent zero input columns and the layer that writes it zero output
rows, so on the old channels every output is unchanged and the new ones start at a velocity of
zero; narrowing drops them again. `python -m reelflow.lab.training.resize_audio
--channels N` converts checkpoints and run states in place. A latent cache keeps its reference
sound tokens at the width it was built with; training batches zero-pad them (no high band).

History of the tiny preset: 80 bins (0-2 kHz: rain measured as a hum even in a round trip), then
all 320 bins, and back after 3,000 steps: a token of 320 coefficients did not fit through the
128-wide audio branch (its loss on the new bins stayed at the level of predicting zero, so every
clip kept a hiss of undenoised noise above 2 kHz). Then 80 bins + 8 noise-filled band levels
(model/audio_codec.py), whose round trip keeps rain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from reelflow.pipeline.generation.stages import build_network
from reelflow.pipeline.model.presets import get_preset

# (branch, parameter) -> the axis that runs over the audio latent's channels
AUDIO_AXES = {
    ("audio", "embed.weight"): 1,
    ("audio", "final.proj.weight"): 0,
    ("audio", "final.proj.bias"): 0,
    ("audio", "context.proj.sound.weight"): 1,  # reference sound tokens are audio latents too
    ("temporal", "audio.0.weight"): 1,
}


def resize(tensor: torch.Tensor, axis: int, channels: int) -> torch.Tensor:
    """`axis` of `tensor` zero-padded or cut to `channels`."""
    missing = channels - tensor.shape[axis]
    if missing <= 0:
        return tensor.narrow(axis, 0, channels).clone()
    return F.pad(tensor, [0, 0] * (tensor.ndim - 1 - axis) + [0, missing])


def resize_net(
    branch: str, state: dict[str, torch.Tensor], channels: int
) -> dict[str, torch.Tensor]:
    """One branch's state dict (unprefixed names), resized."""
    return {
        name: resize(value, AUDIO_AXES[(branch, name)], channels)
        if (branch, name) in AUDIO_AXES
        else value
        for name, value in state.items()
    }


def resize_checkpoint(path: Path, channels: int) -> None:
    tensors = load_file(str(path))
    for (branch, name), axis in AUDIO_AXES.items():
        key = f"{branch}.{name}"
        if key in tensors:
            tensors[key] = resize(tensors[key], axis, channels)
    if "audio_codec.bin_scale" in tensors:
        # per channel. The widened nets' zero velocity leaves a new channel at the sampler's
        # initial noise, so it decodes silent only at a vanishing scale, until a training run
        # exports one fitted on its data.
        scale = tensors["audio_codec.bin_scale"][:channels]
        tensors["audio_codec.bin_scale"] = F.pad(scale, [0, channels - len(scale)], value=1e-6)
    save_file(tensors, str(path))


def resize_run_state(path: Path, channels: int) -> None:
    """A Trainer's state.pt: nets, EMAs and the AdamW moments of the widened parameters."""
    state = torch.load(path, weights_only=False)
    for kind in ("nets", "emas"):
        state[kind] = {b: resize_net(b, s, channels) for b, s in state[kind].items()}
    for branch, optimizer in state.get("optimizers", {}).items():
        # parameter names in the order AdamW indexes them (a state dict also holds buffers)
        names = [name for name, _ in build_network(get_preset("tiny"), branch).named_parameters()]
        for index, moments in optimizer["state"].items():
            key = (branch, names[index])
            if key in AUDIO_AXES:
                for moment in ("exp_avg", "exp_avg_sq"):
                    moments[moment] = resize(moments[moment], AUDIO_AXES[key], channels)
    scale = state.get("audio_bin_scale")
    if scale is not None:  # a narrower one is completed by a fit when the run starts
        state["audio_bin_scale"] = scale[:channels].clone()
    torch.save(state, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, required=True, help="audio latent width")
    parser.add_argument("--checkpoint", type=Path, action="append", default=[])
    parser.add_argument("--state", type=Path, action="append", default=[])
    args = parser.parse_args()
    for path in args.checkpoint:
        resize_checkpoint(path, args.channels)
    for path in args.state:
        resize_run_state(path, args.channels)


if __name__ == "__main__":
    main()
