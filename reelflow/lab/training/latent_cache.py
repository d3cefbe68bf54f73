"""A latent cache on disk: world clips rendered and encoded once (video latents by the trained
codec, text and reference tokens by the prompt encoder), so a training step costs only the
networks, and the pool a run draws from can be tens of thousands of clips.

Shard i holds examples [i * shard_size, (i + 1) * shard_size), example k made from the seed
sequence [seed, k]: shards can be built in any order, by several processes, or again after a
crash, and always hold the same clips. `meta.json` ties the cache to the codec that encoded it,
so latents of another codec are never mixed in.

The prompt grammar is not in `meta.json`: a shard built before the grammar holds the same clips
worded by the world's templates, and every template wording is a train-split wording (grammar.py
never holds one out), so old and new shards mix into one train-split pool and old caches stay
readable. Only the wording of a key's prompt depends on which code built its shard.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from reelflow.lab.training.examples import Example, ExampleMaker


def codec_fingerprint(maker: ExampleMaker) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(maker.encoder.video_codec.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().numpy().tobytes())
    return digest.hexdigest()[:16]


class LatentCache:
    def __init__(self, directory: Path, seed: int = 0, shard_size: int = 250):
        if shard_size < 1:
            raise ValueError(f"shard_size must be >= 1, got {shard_size}")
        self.directory, self.seed, self.shard_size = directory, seed, shard_size

    def shard_path(self, index: int) -> Path:
        return self.directory / f"shard-{index:05d}.pt"

    def shards(self) -> list[int]:
        """Indices of the shards on disk, in order."""
        return sorted(int(p.stem.split("-")[1]) for p in self.directory.glob("shard-*.pt"))

    def _check_meta(self, maker: ExampleMaker) -> None:
        meta = {
            "codec": codec_fingerprint(maker),
            "seed": self.seed,
            "shard_size": self.shard_size,
            "fps": maker.fps,
        }
        path = self.directory / "meta.json"
        if path.exists():
            found = json.loads(path.read_text())
            if found != meta:
                raise ValueError(f"{self.directory} holds another cache ({found}); want {meta}")
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(meta))

    def build(
        self,
        maker: ExampleMaker,
        count: int,
        on_shard: Callable[[int, int], None] | None = None,
    ) -> None:
        """Make every missing shard needed for `count` examples; on_shard(done, total)."""
        self._check_meta(maker)
        total = -(-count // self.shard_size)
        for index in range(total):
            path = self.shard_path(index)
            if not path.exists():
                first = index * self.shard_size
                keys = range(first, first + self.shard_size)
                examples = [maker.make(self.example_rng(k)) for k in keys]
                partial = path.with_suffix(".tmp")
                torch.save(examples, partial)
                os.replace(partial, path)  # a reader never sees half a shard
            if on_shard is not None:
                on_shard(index + 1, total)

    def example_rng(self, key: int) -> np.random.Generator:
        """The generator example `key` is made from (it sits in shard key // shard_size)."""
        return np.random.default_rng([self.seed, key])

    def keys(self, indices: list[int]) -> list[int]:
        """The example keys the shards `indices` hold, in the order `load` returns them."""
        return [k for i in indices for k in range(i * self.shard_size, (i + 1) * self.shard_size)]

    def load(self, indices: list[int] | None = None) -> list[Example]:
        out: list[Example] = []
        for index in self.shards() if indices is None else indices:
            out.extend(torch.load(self.shard_path(index), weights_only=False))
        return out
