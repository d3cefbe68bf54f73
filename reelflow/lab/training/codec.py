"""Training of the video autoencoder on the world's frames (resumable, EMA).

Frames come from training-split clips at every framing, background, lighting and position, plus
the reference media users attach (subject images on grey, dot videos on black), which the codec
encodes too. Steps train on random crops (the networks are fully convolutional, so crops cost a
quarter of a frame and teach the same local code); the loss is L1 + MSE + an edge term, and the
decoder also learns from slightly noised latents so that a generator's small errors decode into
clean pictures. At the end, per-channel latent statistics are fitted for standardisation.
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

from reelflow.lab.toyworld.sample import sample_spec
from reelflow.lab.toyworld.world import reference_media, render_clip
from reelflow.lab.training.timed_loop import train_for
from reelflow.pipeline.model.audio_codec import AudioCodec
from reelflow.pipeline.model.video_autoencoder import (
    VideoCodec,
    VideoCodecConfig,
    edge_loss,
    from_frames,
    to_frames,
)
from reelflow.pipeline.model.weights import save_weights


@dataclass(frozen=True)
class CodecTrainConfig:
    clips: int = 2000  # clips rendered into the frame pool
    frames_per_clip: int = 6
    crop: int = 32
    batch: int = 32
    lr: float = 1e-3
    warmup: int = 100
    ema: float = 0.999
    edge_weight: float = 0.5
    latent_noise: float = 0.1  # max decoder input noise, relative to the latent's std
    seed: int = 0
    checkpoint_minutes: float = 5.0
    threads: int = 1

    def __post_init__(self) -> None:
        if self.crop < 8 or self.crop > 64 or self.batch < 1 or self.clips < 1:
            raise ValueError("crop must be 8..64 and batch, clips >= 1")


def render_frame_pool(clips: int, frames_per_clip: int, seed: int) -> np.ndarray:
    """(N, 64, 64, 3) uint8: frames of `clips` training clips and their reference media."""
    rng = np.random.default_rng(seed)
    pool = []
    for _ in range(clips):
        spec = sample_spec(rng, split="train", fps=8, duration_s=(2, 4))
        clip = render_clip(spec)
        picks = rng.choice(clip.frames.shape[0], min(frames_per_clip, clip.frames.shape[0]))
        pool.extend(clip.frames[picks])
        for name, media in reference_media(spec).items():
            if name.startswith("image"):
                pool.append(media)
            elif name.startswith("video"):
                pool.append(media[int(rng.integers(media.shape[0]))])
    return np.stack(pool)


class CodecTrainer:
    def __init__(self, config: CodecTrainConfig, run_dir: Path, init: VideoCodec | None = None):
        torch.set_num_threads(config.threads)
        self.config, self.run_dir = config, run_dir
        with torch.random.fork_rng():  # the same init whatever ran before in the process
            torch.manual_seed(config.seed)
            self.codec = init if init is not None else VideoCodec(VideoCodecConfig())
        self.ema = copy.deepcopy(self.codec).eval()
        self.optimizer = torch.optim.AdamW(self.codec.parameters(), lr=config.lr, weight_decay=0)
        self.step = 0
        self.generator = torch.Generator().manual_seed(config.seed)
        self._resume()
        pool_path = run_dir / "frames.npy"
        if pool_path.exists():
            self.pool = np.load(pool_path)
        else:
            self.pool = render_frame_pool(config.clips, config.frames_per_clip, config.seed)
            run_dir.mkdir(parents=True, exist_ok=True)
            np.save(pool_path, self.pool)
        self.rng = np.random.default_rng(config.seed + self.step)

    @property
    def state_path(self) -> Path:
        return self.run_dir / "codec_state.pt"

    def _resume(self) -> None:
        if not self.state_path.exists():
            return
        state = torch.load(self.state_path, weights_only=False)
        self.codec.load_state_dict(state["codec"])
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = state["step"]
        self.generator.set_state(state["generator"])

    def save(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "codec": self.codec.state_dict(),
            "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "generator": self.generator.get_state(),
            "config": asdict(self.config),
        }
        partial = self.state_path.with_suffix(".tmp")
        torch.save(state, partial)
        os.replace(partial, self.state_path)

    def _batch(self) -> torch.Tensor:
        c = self.config
        picks = self.rng.choice(len(self.pool), c.batch, replace=False)
        patch = self.codec.config.patch
        out = []
        for index in picks:
            y, x = (int(v) * patch for v in self.rng.integers(0, (64 - c.crop) // patch + 1, 2))
            frame = self.pool[index, y : y + c.crop, x : x + c.crop]
            out.append(frame[:, ::-1] if self.rng.random() < 0.5 else frame)  # mirror
        return from_frames(np.ascontiguousarray(np.stack(out)))

    def train_step(self) -> dict[str, float]:
        c = self.config
        x = self._batch()
        z = self.codec.raw_encode(x)
        sigma = torch.rand(z.shape[0], 1, 1, 1, generator=self.generator) * c.latent_noise
        noise = torch.randn(z.shape, generator=self.generator) * z.detach().std() * sigma
        y = self.codec.raw_decode(z + noise)
        l1, mse, edges = F.l1_loss(y, x), F.mse_loss(y, x), edge_loss(y, x)
        loss = l1 + mse + c.edge_weight * edges + 1e-4 * z.pow(2).mean()
        for group in self.optimizer.param_groups:
            group["lr"] = c.lr * min(1.0, (self.step + 1) / c.warmup)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.codec.parameters(), 1.0)
        self.optimizer.step()
        with torch.no_grad():
            decay = min(c.ema, (1 + self.step) / (10 + self.step))
            for ema, live in zip(self.ema.parameters(), self.codec.parameters(), strict=True):
                ema.lerp_(live, 1.0 - decay)
        self.step += 1
        psnr = -10 * torch.log10(F.mse_loss(y.detach(), x) / 4).item()  # range 2 -> peak^2 = 4
        return {"l1": l1.item(), "edges": edges.item(), "psnr": psnr}

    @torch.no_grad()
    def fit_statistics(self, frames: int = 2000) -> None:
        """Per-channel mean and std of the EMA encoder's latents over the pool."""
        picks = self.rng.choice(len(self.pool), min(frames, len(self.pool)), replace=False)
        z = torch.cat(
            [self.ema.raw_encode(from_frames(self.pool[p])) for p in np.array_split(picks, 20)]
        )
        self.ema.shift.copy_(z.mean(dim=(0, 2, 3)))
        self.ema.scale.copy_(z.std(dim=(0, 2, 3)).clamp(min=1e-3))

    def run(self, minutes: float, on_log: Callable[[dict], None] | None = None) -> None:
        log = self.run_dir / "codec_log.jsonl"
        train_for(self, minutes, log, self.config.checkpoint_minutes, on_log)
        self.fit_statistics()  # the standardisation belongs to the final EMA weights
        self.save()
        self.export()

    @property
    def weights_path(self) -> Path:
        return self.run_dir / "codec.safetensors"

    def export(self) -> None:
        """The EMA codec, standardisation included, under the checkpoint's `codec.` prefix."""
        save_weights({"codec.": self.ema}, self.weights_path)


@torch.inference_mode()
def round_trip(codec: VideoCodec, frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 -> the same frames after encode and decode."""
    decoded = codec.decode(codec.encode(from_frames(frames)))
    return to_frames(decoded).numpy()


def round_trip_scores(
    codec: VideoCodec, audio: AudioCodec, count: int, seed: int
) -> dict[str, dict]:
    """The evaluator's summary on `count` held-out world clips as rendered and after both
    codecs' round trips (all through H.264/AAC, as generated clips are), plus the video PSNR."""
    from reelflow.lab.toyworld.evaluate import evaluate_mp4, summarise
    from reelflow.lab.toyworld.world import make_dataset
    from reelflow.pipeline.generation.mux import encode_mp4

    rendered, coded, errors = [], [], []
    for clip in make_dataset(count, seed, split="heldout", fps=8):
        after = round_trip(codec, clip.frames)
        errors.append(np.mean((after.astype(np.float64) - clip.frames) ** 2))
        wave = torch.from_numpy(clip.audio).float()
        heard = audio.decode(audio.encode(wave), len(wave)).numpy()
        for frames, sound, out in ((clip.frames, clip.audio, rendered), (after, heard, coded)):
            mp4 = encode_mp4(frames, sound, clip.fps, clip.sample_rate)
            out.append(evaluate_mp4(mp4, clip.spec))
    psnr = float(10 * np.log10(255.0**2 / np.mean(errors)))
    return {"rendered": summarise(rendered), "round_trip": summarise(coded) | {"psnr_db": psnr}}
