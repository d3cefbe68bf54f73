"""Splitting a sequence across Ulysses ranks, and the all-to-alls that swap that split for a
head split around attention (Jacobs et al. 2023, "DeepSpeed Ulysses", sec. 3).

A length that does not divide by the degree is padded by repeating its last element (never
zeros: a padded frame must still read a valid text mask, or its attention rows turn NaN) and
the padded positions are masked out as keys, so they never change a real token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist
from einops import rearrange


@dataclass(frozen=True)
class Shard:
    """This rank's slice of a sequence of `length` split over `ranks`, padded to `padded`."""

    length: int
    ranks: int
    rank: int

    @property
    def local(self) -> int:
        return -(-self.length // self.ranks)

    @property
    def padded(self) -> int:
        return self.local * self.ranks

    @property
    def index(self) -> torch.Tensor:
        """(local,) global positions this rank holds; padding repeats the last position."""
        start = self.rank * self.local
        return torch.arange(start, start + self.local).clamp(max=self.length - 1)

    def take(self, x: torch.Tensor, dim: int) -> torch.Tensor:
        return x.index_select(dim, self.index)

    def key_mask(self) -> torch.Tensor | None:
        """(padded,) True for real positions; None when nothing is padded (the plain kernel)."""
        if self.padded == self.length:
            return None
        return torch.arange(self.padded) < self.length


def seq_to_heads(x: torch.Tensor, group: dist.ProcessGroup) -> torch.Tensor:
    """(B, n_local, G, H, dh) -> (B, n_local * P, G, H / P, dh): every rank ends up with the
    whole sequence for its share of the heads (G groups q/k/v so they travel in one call)."""
    ranks = dist.get_world_size(group)
    send = rearrange(x, "b n g (r h) e -> r b n g h e", r=ranks).contiguous()
    recv = torch.empty_like(send)
    dist.all_to_all_single(recv, send, group=group)  # recv[r]: rank r's tokens, our heads
    return rearrange(recv, "r b n g h e -> b (r n) g h e")


def heads_to_seq(x: torch.Tensor, group: dist.ProcessGroup) -> torch.Tensor:
    """(B, n_local * P, H / P, dh) -> (B, n_local, H, dh): the inverse of seq_to_heads."""
    ranks = dist.get_world_size(group)
    send = rearrange(x, "b (r n) h e -> r b n h e", r=ranks).contiguous()
    recv = torch.empty_like(send)
    dist.all_to_all_single(recv, send, group=group)  # recv[r]: our tokens, rank r's heads
    return rearrange(recv, "r b n h e -> b n (r h) e")


def gather(x: torch.Tensor, dim: int, group: dist.ProcessGroup | None) -> torch.Tensor:
    """Concatenate every rank's `x` along `dim` (all ranks get the result)."""
    if group is None:
        return x
    parts = [torch.empty_like(x) for _ in range(dist.get_world_size(group))]
    dist.all_gather(parts, x.contiguous(), group=group)
    return torch.cat(parts, dim=dim)
