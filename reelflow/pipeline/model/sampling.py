"""Rectified-flow sampling as plain functions (Liu et al. 2022; Esser et al. 2024).

x_t = (1 - t) x0 + t noise, the networks predict v = noise - x0, and sampling integrates
dx/dt = v from t = 1 (noise) down to t = 0 (data).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def timesteps(steps: int, shift: float = 1.0) -> list[float]:
    """steps + 1 times from 1 to 0; shift > 1 spends more steps at high noise (SD3 eq. 23)."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    uniform = torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64)
    shifted = shift * uniform / (1.0 + (shift - 1.0) * uniform)
    return [float(t) for t in shifted]


def euler_step(x: torch.Tensor, v: torch.Tensor, t: float, t_next: float) -> torch.Tensor:
    return x + (t_next - t) * v


def guide(v_cond: torch.Tensor, v_uncond: torch.Tensor, scale: float) -> torch.Tensor:
    """Classifier-free guidance (Ho & Salimans 2022): extrapolate away from the unconditional."""
    return v_uncond + scale * (v_cond - v_uncond)


def merge(v: torch.Tensor, v_spatial: torch.Tensor, weight: float) -> torch.Tensor:
    """The merged output of the two video branches: v + lambda (vs - v)."""
    return v + weight * (v_spatial - v)


def interpolate(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """The training-time point on the straight path between data and noise."""
    return (1.0 - t) * x0 + t * noise


def seeded_noise(shape: tuple[int, ...], seed: int, stream: int) -> torch.Tensor:
    """Standard normal noise that depends only on (seed, stream), never on global RNG state."""
    generator = torch.Generator().manual_seed((seed * 1_000_003 + stream) % (2**63))
    return torch.randn(shape, generator=generator)


def guided_velocity(
    model: Callable[..., torch.Tensor],
    scale: float,
    shared: dict[str, torch.Tensor],
    cond: dict[str, torch.Tensor],
    uncond: dict[str, torch.Tensor],
) -> torch.Tensor:
    """One batched forward for the conditional and unconditional halves, then `guide`.

    `shared` and `cond`/`uncond` hold batch-first tensors; scale 1 skips the unconditional half.
    """
    if scale == 1.0:
        return model(**shared, **cond)
    doubled = {name: torch.cat([value, value]) for name, value in shared.items()}
    paired = {name: torch.cat([cond[name], uncond[name]]) for name in cond}
    v_cond, v_uncond = model(**doubled, **paired).chunk(2)
    return guide(v_cond, v_uncond, scale)
