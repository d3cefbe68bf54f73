"""Widen trained networks to an audio latent with more MDCT bins, keeping what they compute.

The audio latent's first bins are the same whatever the number kept (the MDCT's rows do not
depend on it), so the layers that read the latent gain zero input columns and the layer that
writes it gains zero output rows: on the old bins every output is unchanged, and the new bins
start at a velocity of zero, to be learned. Used once, when the tiny preset went from 80 bins
(0-2 kHz) to all 320 (0-8 kHz); `python -m reelflow.pipeline.training.widen_audio` converts the
shipped checkpoint and a run's state in place.
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
    ("temporal", "audio.0.weight"): 1,
}


def widen(tensor: torch.Tensor, axis: int, bins: int) -> torch.Tensor:
    """Zero-pad `axis` of `tensor` up to `bins`."""
    missing = bins - tensor.shape[axis]
    if missing < 0:
        raise ValueError(f"cannot narrow {tuple(tensor.shape)} to {bins} along axis {axis}")
    pad = [0, 0] * (tensor.ndim - 1 - axis) + [0, missing]
    return F.pad(tensor, pad)


def widen_net(branch: str, state: dict[str, torch.Tensor], bins: int) -> dict[str, torch.Tensor]:
    """One branch's state dict (unprefixed names), widened."""
    return {
        name: widen(value, AUDIO_AXES[(branch, name)], bins)
        if (branch, name) in AUDIO_AXES
        else value
        for name, value in state.items()
    }


def widen_checkpoint(path: Path, bins: int) -> None:
    tensors = load_file(str(path))
    for (branch, name), axis in AUDIO_AXES.items():
        key = f"{branch}.{name}"
        if key in tensors:
            tensors[key] = widen(tensors[key], axis, bins)
    tensors.pop("audio_codec.bin_scale", None)  # fitted per bin: refitted by the next run
    save_file(tensors, str(path))


def widen_run_state(path: Path, bins: int) -> None:
    """A Trainer's state.pt: nets, EMAs and the AdamW moments of the widened parameters."""
    state = torch.load(path, weights_only=False)
    nets = {"spatial": spatial_network, "temporal": temporal_network, "audio": audio_network}
    for kind in ("nets", "emas"):
        state[kind] = {b: widen_net(b, s, bins) for b, s in state[kind].items()}
    for branch, optimizer in state.get("optimizers", {}).items():
        # parameter names in the order AdamW indexes them (a state dict also holds buffers)
        names = [name for name, _ in nets[branch](get_preset("tiny")).named_parameters()]
        for index, moments in optimizer["state"].items():
            key = (branch, names[index])
            if key in AUDIO_AXES:
                for moment in ("exp_avg", "exp_avg_sq"):
                    moments[moment] = widen(moments[moment], AUDIO_AXES[key], bins)
    state["audio_bin_scale"] = None  # refitted on the pool at the next start
    torch.save(state, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bins", type=int, required=True)
    parser.add_argument("--checkpoint", type=Path, action="append", default=[])
    parser.add_argument("--state", type=Path, action="append", default=[])
    args = parser.parse_args()
    for path in args.checkpoint:
        widen_checkpoint(path, args.bins)
    for path in args.state:
        widen_run_state(path, args.bins)


if __name__ == "__main__":
    main()
