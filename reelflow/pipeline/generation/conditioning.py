"""What the prompt encoder hands the branches, and the per-frame / per-token views of it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F


@dataclass(frozen=True, eq=False)
class Conditioning:
    text_tokens: torch.Tensor  # (S, L, Dt) one row per shot
    text_mask: torch.Tensor  # (S, L) bool
    text_pooled: torch.Tensor  # (S, Dt)
    # The unconditional half of classifier-free guidance: the negative prompt, or the empty
    # prompt when there is none. L0 <= L (the encoder pads the shots' tokens when needed).
    null_tokens: torch.Tensor  # (1, L0, Dt)
    null_mask: torch.Tensor  # (1, L0) bool
    null_pooled: torch.Tensor  # (1, Dt)
    shot_of_frame: torch.Tensor  # (T,) int64
    fps: int
    sample_rate: int
    appearance: torch.Tensor  # (Na, Da) reference-image tokens (see reference_tokens.py)
    motion: torch.Tensor  # (Nm, Dm) reference-video tokens
    sound: torch.Tensor  # (Ns, Ds) reference-audio tokens
    first_frame: torch.Tensor  # (C, h, w) pinned first-frame latent, or (0,)
    last_frame: torch.Tensor  # (C, h, w) pinned last-frame latent, or (0,)
    use_references: bool = True  # False in the unconditional half of guidance

    @property
    def num_shots(self) -> int:
        return self.text_tokens.shape[0]

    @property
    def num_frames(self) -> int:
        return self.shot_of_frame.shape[0]

    def unconditional(self) -> Conditioning:
        """The same layout with every shot's text replaced by the null (negative or empty)
        prompt, references off."""
        shots, length = self.text_mask.shape
        tokens = pad_tokens(self.null_tokens, length, -2).expand(shots, -1, -1)
        mask = pad_tokens(self.null_mask, length, -1).expand(shots, -1)
        return replace(
            self,
            text_tokens=tokens,
            text_mask=mask,
            text_pooled=self.null_pooled.expand(shots, -1),
            use_references=False,
        )

    def reference_inputs(self, kinds: tuple[str, ...]) -> dict[str, torch.Tensor]:
        """Batch-of-one network inputs for the given reference kinds, with their masks."""
        inputs = {}
        for kind in kinds:
            tokens = getattr(self, kind).float()[None]  # (1, N, D)
            inputs[kind] = tokens
            inputs[f"{kind}_mask"] = torch.full(tokens.shape[:2], self.use_references)
        return inputs


def clip_position(frames: torch.Tensor, num_frames: int) -> torch.Tensor:
    """Where frames sit in a clip of num_frames: 0 for the first, 1 for the last (the DiT's
    `position` input)."""
    return frames.float() / max(1, num_frames - 1)


def shot_starts(shot_of_frame: torch.Tensor) -> torch.Tensor:
    """(S,) the first frame of each shot."""
    changes = torch.nonzero(shot_of_frame[1:] != shot_of_frame[:-1]).flatten() + 1
    return torch.cat([torch.zeros(1, dtype=torch.long), changes])


def pad_tokens(x: torch.Tensor, length: int, axis: int) -> torch.Tensor:
    """Tokens (..., L, D) padded along axis -2, or a mask (..., L) along axis -1, to `length`:
    zeros for tokens, False for a mask."""
    missing = length - x.shape[axis]
    if missing == 0:
        return x
    pad = (0, missing) if axis == -1 else (0, 0, 0, missing)
    return F.pad(x, pad, value=False if x.dtype == torch.bool else 0.0)


def frame_of_audio_token(
    tokens: int, frames: int, hop: int, fps: int, sample_rate: int
) -> torch.Tensor:
    """(tokens,) int64: the video frame on screen at the centre of each audio latent frame.

    MDCT frame j is centred on sample j * hop (see codecs.AudioCodec)."""
    seconds = torch.arange(tokens, dtype=torch.float64) * hop / sample_rate
    return (seconds * fps).floor().long().clamp(0, frames - 1)


def audio_to_frame_weights(frame_of_token: torch.Tensor, frames: int) -> torch.Tensor:
    """(frames, tokens): row f averages the audio tokens that play under frame f."""
    onehot = F.one_hot(frame_of_token, frames).T.float()  # (T, Ta)
    return onehot / onehot.sum(dim=1, keepdim=True).clamp(min=1.0)
