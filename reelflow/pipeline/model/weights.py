"""Branch weights: one safetensors file holds every branch under its prefix; each stage loads
only its own. Without a file, a seeded random init stands in (output is then noise)."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[2] / "checkpoints" / "tiny.safetensors"


def seeded_init(module: nn.Module, seed: int) -> None:
    """Deterministic non-zero init of every parameter (the zero-init gates included), so an
    untrained network still computes a non-trivial, reproducible function."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in sorted(module.named_parameters()):
            if param.ndim >= 2:
                param.copy_(torch.randn(param.shape, generator=generator) * param.shape[-1] ** -0.5)
            elif "norm" in name and name.endswith("weight"):
                param.fill_(1.0)
            else:
                param.zero_()
        for layer in module.modules():  # norms named by position (nn.Sequential) scale by 1 too
            if isinstance(layer, nn.GroupNorm | nn.LayerNorm) and layer.weight is not None:
                layer.weight.fill_(1.0)


def load_weights(module: nn.Module, checkpoint: Path | None, prefix: str, seed: int = 0) -> bool:
    """Load `prefix`-ed tensors from `checkpoint` into `module`; True if trained weights loaded."""
    if checkpoint is None:
        seeded_init(module, seed)
        return False
    state = load_file(str(checkpoint))
    own = {k[len(prefix) :]: v.float() for k, v in state.items() if k.startswith(prefix)}
    if not own:
        raise ValueError(f"{checkpoint} has no tensors under {prefix!r}")
    module.load_state_dict(own, strict=True)
    return True


def load_tensor(checkpoint: Path | None, name: str) -> torch.Tensor | None:
    """One named tensor of the checkpoint, or None (no checkpoint, or one from before it)."""
    if checkpoint is None:
        return None
    with safe_open(str(checkpoint), framework="pt") as file:
        names = file.keys()  # a safe_open handle has no __contains__
        return file.get_tensor(name).float() if name in names else None


def save_weights(
    branches: dict[str, nn.Module],
    path: Path,
    dtype: torch.dtype = torch.float16,
    extra: dict[str, torch.Tensor] | None = None,
) -> None:
    """`extra`: named tensors beside the modules' (kept in float32: codec statistics)."""
    state = {
        f"{prefix}{name}": tensor.detach().to(dtype).contiguous()
        for prefix, module in branches.items()
        for name, tensor in module.state_dict().items()
    }
    state |= {name: tensor.detach().float().contiguous() for name, tensor in (extra or {}).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path))


def merge_weights(source: Path, target: Path, prefixes: tuple[str, ...]) -> None:
    """Replace `target`'s tensors under `prefixes` by `source`'s, keeping the rest: two runs
    that train different branches each export their own into one checkpoint."""
    merged = load_file(str(target)) if target.is_file() else {}
    merged = {k: v for k, v in merged.items() if not k.startswith(prefixes)}
    merged |= {k: v for k, v in load_file(str(source)).items() if k.startswith(prefixes)}
    target.parent.mkdir(parents=True, exist_ok=True)
    save_file(merged, str(target))


def resolve_checkpoint(path: str | None) -> Path | None:
    """An explicit path, else the shipped checkpoint when it exists, else None (random init).
    "none" forces random init."""
    if path == "none":
        return None
    if path:
        resolved = Path(path)
        if not resolved.is_file():
            raise FileNotFoundError(f"checkpoint {resolved} does not exist")
        return resolved
    return DEFAULT_CHECKPOINT if DEFAULT_CHECKPOINT.is_file() else None
