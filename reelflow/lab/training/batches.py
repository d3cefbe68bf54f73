"""Training batches from world examples: single frames for the DiT, clip windows (video and
audio together) for the RayFlow and audio branches, with condition dropout for guidance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from reelflow.lab.training.examples import Example
from reelflow.pipeline.generation.conditioning import (
    Conditioning,
    audio_to_frame_weights,
    clip_position,
    frame_of_audio_token,
)
from reelflow.pipeline.model.audio_codec import AudioCodec


def _pad(rows: list[torch.Tensor], value: float | bool = 0) -> torch.Tensor:
    """Stack into a batch, padding the token axis (last for masks, second-to-last otherwise)."""
    length = max(r.shape[-2] if r.ndim > 1 else r.shape[-1] for r in rows)
    out = []
    for r in rows:
        if r.dtype == torch.bool:
            out.append(F.pad(r, (0, length - r.shape[-1]), value=bool(value)))
        else:
            out.append(F.pad(r.float(), (0, 0, 0, length - r.shape[-2]), value=float(value)))
    return torch.stack(out)


def _text(cond: Conditioning, rows: torch.Tensor, dropped: bool):
    """Tokens, mask, pooled of the given shots, or of the empty prompt when dropped."""
    source = cond.unconditional() if dropped else cond
    return (
        source.text_tokens[rows].float(),
        source.text_mask[rows],
        source.text_pooled[rows].float(),
    )


def _refs(examples: list[Example], dropped: list[bool], kind: str) -> dict[str, torch.Tensor]:
    tokens = [getattr(e.cond, kind).float() for e in examples]
    masks = [torch.full((t.shape[0],), not d) for t, d in zip(tokens, dropped, strict=True)]
    return {kind: _pad(tokens), f"{kind}_mask": _pad(masks, False)}


@dataclass(frozen=True, eq=False)
class FrameBatch:
    x0: torch.Tensor  # (B, C, h, w)
    inputs: dict[str, torch.Tensor]  # text, text_mask, pooled, position, appearance(+mask)


def frame_batch(
    examples: list[Example], rng: np.random.Generator, dropout: float, keyframe_share: float = 0.5
) -> FrameBatch:
    x0, texts, masks, pooled, dropped, positions = [], [], [], [], [], []
    for example in examples:
        frame = int(rng.integers(example.video.shape[0]))
        if rng.random() < keyframe_share:
            frame = int(example.keyframe_of_frame[frame])
        positions.append(clip_position(torch.tensor(frame), example.video.shape[0]))
        drop = bool(rng.random() < dropout)
        shot = example.cond.shot_of_frame[frame : frame + 1]
        tokens, mask, pool = _text(example.cond, shot, drop)
        x0.append(example.video[frame].float())
        texts.append(tokens[0])
        masks.append(mask[0])
        pooled.append(pool[0])
        dropped.append(drop)
    inputs = {"text": _pad(texts), "text_mask": _pad(masks, False), "pooled": torch.stack(pooled)}
    inputs["position"] = torch.stack(positions)
    return FrameBatch(torch.stack(x0), inputs | _refs(examples, dropped, "appearance"))


@dataclass(frozen=True, eq=False)
class ClipBatch:
    video: torch.Tensor  # (B, W, C, h, w)
    audio: torch.Tensor  # (B, Ta, Ca)
    keyframes: torch.Tensor  # (B, W, C, h, w)
    temporal: dict[str, torch.Tensor]  # per-frame text + appearance/motion references
    sound: dict[str, torch.Tensor]  # all-shots text, per-token pooled + sound references
    audio_to_frame: torch.Tensor  # (W, Ta)
    frame_of_token: torch.Tensor  # (Ta,)


def clip_batch(
    examples: list[Example],
    rng: np.random.Generator,
    dropout: float,
    window: int,
    codec: AudioCodec,
    fps: int,
    sample_rate: int,
) -> ClipBatch:
    per_frame = sample_rate // fps
    videos, audios, keyframes, dropped = [], [], [], []
    frame_text, frame_mask, frame_pooled, all_text, all_mask, token_pooled = [], [], [], [], [], []
    token_frames = None
    for example in examples:
        start = int(rng.integers(example.video.shape[0] - window + 1))
        frames = slice(start, start + window)
        drop = bool(rng.random() < dropout)
        cond = example.cond
        videos.append(example.video[frames].float())
        shots = cond.shot_of_frame[frames]
        # every frame reads its own shot's first frame, as sampling gives it the DiT's keyframe
        keyframes.append(example.video[example.keyframe_of_frame[frames]].float())
        wave = example.audio[start * per_frame : (start + window) * per_frame].float()
        audios.append(codec.encode(wave))
        if token_frames is None:
            token_frames = frame_of_audio_token(
                audios[-1].shape[0], window, codec.config.hop, fps, sample_rate
            )
        tokens, mask, pooled = _text(cond, shots, drop)
        frame_text.append(tokens)
        frame_mask.append(mask)
        frame_pooled.append(pooled)
        every, every_mask, every_pooled = _text(cond, torch.arange(cond.num_shots), drop)
        all_text.append(every.flatten(0, 1))
        all_mask.append(every_mask.flatten())
        token_pooled.append(every_pooled[shots[token_frames]])
        dropped.append(drop)
    length = max(t.shape[1] for t in frame_text)
    temporal = {
        "text": torch.stack([F.pad(t, (0, 0, 0, length - t.shape[1])) for t in frame_text]),
        "text_mask": torch.stack(
            [F.pad(m, (0, length - m.shape[1]), value=False) for m in frame_mask]
        ),
        "pooled": torch.stack(frame_pooled),
    }
    temporal |= _refs(examples, dropped, "appearance") | _refs(examples, dropped, "motion")
    sound = {
        "text": _pad(all_text),
        "text_mask": _pad(all_mask, False),
        "pooled": torch.stack(token_pooled),
    }
    sound |= _refs(examples, dropped, "sound")
    # a cache built before the latent gained channels holds narrower sound tokens: no high band
    sound["sound"] = F.pad(sound["sound"], (0, codec.config.channels - sound["sound"].shape[-1]))
    return ClipBatch(
        video=torch.stack(videos),
        audio=torch.stack(audios),
        keyframes=torch.stack(keyframes),
        temporal=temporal,
        sound=sound,
        audio_to_frame=audio_to_frame_weights(token_frames, window),
        frame_of_token=token_frames,
    )
