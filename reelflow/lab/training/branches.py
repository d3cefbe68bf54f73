"""Rectified-flow training of the three branches on the synthetic world (resumable, EMA).

Each iteration takes one DiT step on single frames (keyframes half the time) and one joint step
in which RayFlow and the audio branch see each other's latents, at the same noise level as in
sampling or (half the windows) with the audio less noisy. Loss: || v(x_t, t) - (noise - x0) ||^2
with t logit-normal (SD3, Esser et al. 2024).

A run may train a subset of the branches (`TrainConfig.branches`): the DiT on one core and the
joint pair on the other, as two runs, doubles the steps two cores give. Each net has its own
optimizer, so a run resumes whatever subset it trained before.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from reelflow.lab.training.batches import clip_batch, frame_batch
from reelflow.lab.training.examples import Example, ExampleMaker
from reelflow.lab.training.latent_cache import LatentCache
from reelflow.lab.training.timed_loop import train_for
from reelflow.pipeline.generation.stages import (
    AUDIO_BIN_SCALE,
    PromptEncoderStage,
    audio_network,
    spatial_network,
    temporal_network,
)
from reelflow.pipeline.model.audio_codec import AudioCodec, fit_bin_scale
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.sampling import interpolate
from reelflow.pipeline.model.weights import load_weights, save_weights

BRANCHES = ("spatial", "temporal", "audio")


@dataclass(frozen=True)
class TrainConfig:
    preset: str = "tiny"
    branches: tuple[str, ...] = BRANCHES  # the networks this run trains
    fps: int = 8
    window: int = 16  # frames per RayFlow/audio window (2 s at 8 fps; clips are 2-4 s)
    pool: int = 1000  # examples the latent cache holds at least (built at start if missing)
    refresh_every: int = 200  # steps between looking for shards a concurrent builder added
    shard_size: int = 250  # examples per latent-cache shard
    frame_batch: int = 48
    clip_batch: int = 4
    lr: float = 5e-4
    warmup: int = 200
    ema: float = 0.998
    dropout: float = 0.1  # condition dropout, which classifier-free guidance needs
    seed: int = 0
    audio_fit: int = 500  # pool examples the audio latent's per-bin scale is fitted on
    # Clip windows of a speaking face are drawn this many times as often as others: they are
    # 10% of the world's clips and the mouth a few pixels, too little for lip sync to be learned.
    speech_weight: float = 4.0
    # Share of clip windows whose audio is noised less than their video (t_audio = t u, u
    # uniform): with both always at one level, RayFlow never had to read a mouth off the sound
    # (lip sync stayed at 0.2); sampling still runs both at one level.
    audio_ahead: float = 0.5
    checkpoint_minutes: float = 5.0
    threads: int = 2

    def __post_init__(self) -> None:
        if self.window < 2 or self.pool < max(self.frame_batch, self.clip_batch):
            raise ValueError("window must be >= 2 and the pool at least one batch")
        if not 0.0 <= self.dropout < 1.0 or not 0.0 < self.ema < 1.0:
            raise ValueError("dropout must be in [0, 1) and ema in (0, 1)")
        if self.speech_weight <= 0 or self.lr <= 0:
            raise ValueError("speech_weight and lr must be > 0")
        if not 0.0 <= self.audio_ahead <= 1.0:
            raise ValueError(f"audio_ahead must be in [0, 1], got {self.audio_ahead}")
        if not self.branches or not set(self.branches) <= set(BRANCHES):
            raise ValueError(f"branches must be a non-empty subset of {BRANCHES}")


def logit_normal(batch: int, generator: torch.Generator) -> torch.Tensor:
    return torch.sigmoid(torch.randn(batch, generator=generator))


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        run_dir: Path,
        codec: Path | None,
        cache_dir: Path | None = None,
        init_from: Path | None = None,
    ):
        """`codec`: a checkpoint holding the trained `codec.` tensors (it encodes the cache and
        is exported with the branches); `init_from`: a checkpoint whose branch weights start a
        fresh run (ignored when the run resumes from its own state)."""
        torch.set_num_threads(config.threads)
        self.config, self.run_dir = config, run_dir
        self.preset = get_preset(config.preset)
        encoder = PromptEncoderStage(self.preset, codec)
        self.maker = ExampleMaker(self.preset, encoder, config.fps)
        torch.set_num_threads(config.threads)  # the encoder stage pins one thread for serving
        self.audio_bin_scale: torch.Tensor | None = None  # fitted on the pool, or resumed
        self.nets = {
            "spatial": spatial_network(self.preset),
            "temporal": temporal_network(self.preset),
            "audio": audio_network(self.preset),
        }
        self.emas = {name: copy.deepcopy(net).eval() for name, net in self.nets.items()}
        self.optimizers = {
            name: torch.optim.AdamW(self.nets[name].parameters(), lr=config.lr, weight_decay=0.01)
            for name in config.branches
        }
        self.step = 0
        self.generator = torch.Generator().manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)
        if not self._resume() and init_from is not None:
            for name in self.nets:
                load_weights(self.nets[name], init_from, f"{name}.")
                load_weights(self.emas[name], init_from, f"{name}.")
        self.cache = LatentCache(cache_dir or run_dir / "cache", config.seed, config.shard_size)
        self.cache.build(self.maker, config.pool)
        self.loaded = self.cache.shards()
        self.pool: list[Example] = self.cache.load(self.loaded)
        self.clip_weights = self._clip_weights(self.loaded)
        known = self.audio_bin_scale
        if known is None or len(known) < self.preset.audio_codec.channels:
            waves = [e.audio.float() for e in self.pool[: config.audio_fit]]
            fitted = fit_bin_scale(self.preset.audio_codec, waves)
            if known is not None:  # a widened latent: the channels trained on keep their scale
                fitted[: len(known)] = known
            self.audio_bin_scale = fitted
        self.audio_codec = AudioCodec(self.preset.audio_codec, self.audio_bin_scale)

    def _grow_pool(self) -> None:
        """Add the shards a concurrent `reelflow train cache` finished since the last look."""
        new = [index for index in self.cache.shards() if index not in self.loaded]
        self.pool.extend(self.cache.load(new))
        self.clip_weights = np.concatenate([self.clip_weights, self._clip_weights(new)])
        self.loaded.extend(new)

    def _clip_weights(self, shards: list[int]) -> np.ndarray:
        """Per example of `shards`, how often its clip windows are drawn (speech weighs more)."""
        speaking = [
            self.maker.spec(self.cache.example_rng(key)).action == "speak"
            for key in self.cache.keys(shards)
        ]
        return np.where(speaking, self.config.speech_weight, 1.0)

    @property
    def state_path(self) -> Path:
        return self.run_dir / "state.pt"

    def _resume(self) -> bool:
        if not self.state_path.exists():
            return False
        state = torch.load(self.state_path, weights_only=False)
        for name in self.nets:
            self.nets[name].load_state_dict(state["nets"][name])
            self.emas[name].load_state_dict(state["emas"][name])
        saved = state.get("optimizers") or _split_optimizer(state["optimizer"], self.nets)
        for name, optimizer in self.optimizers.items():
            if name in saved:  # a branch this run did not train before starts fresh moments
                optimizer.load_state_dict(saved[name])
        self.step = state["step"]
        self.generator.set_state(state["generator"])
        self.rng = np.random.default_rng(self.config.seed + self.step)
        self.audio_bin_scale = state.get("audio_bin_scale")  # None in runs from before it
        return True

    def save(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "nets": {n: m.state_dict() for n, m in self.nets.items()},
            "emas": {n: m.state_dict() for n, m in self.emas.items()},
            "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
            "step": self.step,
            "generator": self.generator.get_state(),
            "config": asdict(self.config),
            "audio_bin_scale": self.audio_bin_scale,
        }
        partial = self.state_path.with_suffix(".tmp")
        torch.save(state, partial)
        os.replace(partial, self.state_path)  # a kill mid-save never corrupts the last state
        branches = {f"{n}.": m for n, m in self.emas.items()}
        save_weights(
            branches | {"codec.": self.maker.encoder.video_codec},
            self.run_dir / "weights.safetensors",
            extra={AUDIO_BIN_SCALE: self.audio_bin_scale},
        )

    @property
    def exported_prefixes(self) -> tuple[str, ...]:
        """What an export of this run replaces: its branches, and the codecs it trained on."""
        return (*(f"{name}." for name in self.config.branches), "codec.", "audio_codec.")

    def _lr(self) -> float:
        return self.config.lr * min(1.0, (self.step + 1) / self.config.warmup)

    def _sample(self, size: int, weights: np.ndarray | None = None) -> list[Example]:
        p = None if weights is None else weights / weights.sum()
        return [self.pool[i] for i in self.rng.choice(len(self.pool), size, replace=False, p=p)]

    def _spatial_loss(self) -> torch.Tensor:
        config, g = self.config, self.generator
        frames = frame_batch(self._sample(config.frame_batch), self.rng, config.dropout)
        t = logit_normal(frames.x0.shape[0], g)
        noise = torch.randn(frames.x0.shape, generator=g)
        xt = interpolate(frames.x0, noise, t[:, None, None, None])
        return F.mse_loss(self.nets["spatial"](x=xt, t=t, **frames.inputs), noise - frames.x0)

    def _joint_losses(self) -> dict[str, torch.Tensor]:
        """RayFlow and the audio branch on the same clip windows, at one noise level or with the
        audio ahead (TrainConfig.audio_ahead)."""
        config, g = self.config, self.generator
        clips = clip_batch(
            self._sample(config.clip_batch, self.clip_weights),
            self.rng,
            config.dropout,
            config.window,
            self.audio_codec,
            config.fps,
            self.preset.sample_rate,
        )
        batch = clips.video.shape[0]
        t = logit_normal(batch, g)
        ahead = torch.rand(batch, generator=g) < config.audio_ahead
        t_audio = torch.where(ahead, t * torch.rand(batch, generator=g), t)
        noise_v = torch.randn(clips.video.shape, generator=g)
        noise_a = torch.randn(clips.audio.shape, generator=g)
        xv = interpolate(clips.video, noise_v, t[:, None, None, None, None])
        xa = interpolate(clips.audio, noise_a, t_audio[:, None, None])
        losses = {}
        if "temporal" in config.branches:
            velocity = self.nets["temporal"](
                x=xv,
                keyframes=clips.keyframes,
                audio=xa,
                audio_to_frame=clips.audio_to_frame,
                t=t,
                **clips.temporal,
            )
            losses["temporal"] = F.mse_loss(velocity, noise_v - clips.video)
        if "audio" in config.branches:
            velocity = self.nets["audio"](
                x=xa, video=xv, frame_of_token=clips.frame_of_token, t=t_audio, **clips.sound
            )
            losses["audio"] = F.mse_loss(velocity, noise_a - clips.audio)
        return losses

    def train_step(self) -> dict[str, float]:
        branches = self.config.branches
        losses = {"spatial": self._spatial_loss()} if "spatial" in branches else {}
        if {"temporal", "audio"} & set(branches):
            losses |= self._joint_losses()
        for optimizer in self.optimizers.values():
            for group in optimizer.param_groups:
                group["lr"] = self._lr()
            optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        for name, optimizer in self.optimizers.items():
            torch.nn.utils.clip_grad_norm_(self.nets[name].parameters(), 1.0)
            optimizer.step()
        self._update_ema()
        self.step += 1
        if self.step % self.config.refresh_every == 0:
            self._grow_pool()
        return {name: loss.item() for name, loss in losses.items()}

    @torch.no_grad()
    def _update_ema(self) -> None:
        decay = min(self.config.ema, (1 + self.step) / (10 + self.step))  # fast start
        for name in self.config.branches:
            pairs = zip(self.emas[name].parameters(), self.nets[name].parameters(), strict=True)
            for ema, live in pairs:
                ema.lerp_(live, 1.0 - decay)

    def run(self, minutes: float, on_log: Callable[[dict], None] | None = None) -> None:
        """Train for `minutes` of wall time, saving every checkpoint_minutes and at the end."""
        log = self.run_dir / "log.jsonl"
        train_for(self, minutes, log, self.config.checkpoint_minutes, on_log)


def _split_optimizer(state: dict, nets: dict[str, torch.nn.Module]) -> dict[str, dict]:
    """One AdamW state over all nets' parameters (runs from before per-net optimizers), in
    the nets' order, as one state per net."""
    out, offset = {}, 0
    for name, net in nets.items():
        count = len(list(net.parameters()))
        group = dict(state["param_groups"][0]) | {"params": list(range(count))}
        moments = {i - offset: v for i, v in state["state"].items() if offset <= i < offset + count}
        out[name] = {"state": moments, "param_groups": [group]}
        offset += count
    return out
