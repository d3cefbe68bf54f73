"""Model sizes, from the CPU-sized `tiny` to the GPU-cluster presets, in one registry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from reelflow.pipeline.model.audio_codec import AudioCodecConfig
from reelflow.pipeline.model.precision import check_dtype
from reelflow.pipeline.model.video_autoencoder import VideoCodecConfig

TEXT_DIM = 384  # all-MiniLM-L6-v2 token embeddings


@dataclass(frozen=True)
class NetworkConfig:
    dim: int
    depth: int
    heads: int
    patch: int = 2  # latent cells per token side (video networks)
    text_dim: int = TEXT_DIM

    def __post_init__(self) -> None:
        if self.dim % self.heads or (self.dim // self.heads) % 2:
            raise ValueError(f"dim {self.dim} must split into {self.heads} even-sized heads")
        if self.depth < 1 or self.patch < 1:
            raise ValueError("depth and patch must be >= 1")


@dataclass(frozen=True)
class SamplerDefaults:
    # 16 steps, unguided below t = 0.3: the sweep's best row and 1.5x faster than 20 guided
    # (the model card's sweep, 12 held-out prompts)
    steps: int = 16
    guidance: float = 4.0
    shift: float = (
        1.0  # timestep shift (SD3, Esser et al. 2024, eq. 23); > 1 spends steps at high noise
    )
    # Spatial refinement: for t < refine_below the DiT's per-frame velocity is merged in,
    # v + lambda (vs - v), which keeps each frame's shape and size where RayFlow alone loses
    # them (the model card's sweep: 0.5 / 0.7 beat 0.3 / 0.3 on shape and framing).
    refine_below: float = 0.5
    refine_weight: float = 0.7
    # The audio runs on the timesteps t ** audio_lead: above 1 the sound is denoised ahead of
    # the picture, so RayFlow reads mouths and contacts off a cleaner soundtrack (the joint
    # training noises the audio less than the video in half its windows: audio_ahead).
    audio_lead: float = 1.0
    # Guidance interval (Kynkaenniemi et al. 2024): below guide_above the branches run
    # unguided, one forward instead of the two of classifier-free guidance, where the layout is
    # already decided.
    guide_above: float = 0.3
    # Draft mode: few steps, shifted towards high noise where the coarse layout and motion are
    # decided (SD3 eq. 23); what the draft preset variants sample with.
    draft_steps: int = 6
    draft_shift: float = 3.0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.guidance < 1.0 or self.shift <= 0:
            raise ValueError("steps >= 1, guidance >= 1 and shift > 0 are required")
        if not 0.0 <= self.refine_weight <= 1.0:
            raise ValueError(f"refine_weight must be in [0, 1], got {self.refine_weight}")
        if self.audio_lead < 1.0:
            raise ValueError(f"audio_lead must be >= 1, got {self.audio_lead}")
        if not 0.0 <= self.guide_above <= 1.0:
            raise ValueError(f"guide_above must be in [0, 1], got {self.guide_above}")
        if self.draft_steps < 1 or self.draft_shift <= 0:
            raise ValueError("draft_steps >= 1 and draft_shift > 0 are required")

    def as_draft(self) -> SamplerDefaults:
        return replace(self, steps=self.draft_steps, shift=self.draft_shift)


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    fps: int
    sample_rate: int
    max_side: int
    spatial: NetworkConfig
    temporal: NetworkConfig
    audio: NetworkConfig
    video_codec: VideoCodecConfig = field(default_factory=VideoCodecConfig)
    audio_codec: AudioCodecConfig = field(default_factory=AudioCodecConfig)
    sampler: SamplerDefaults = field(default_factory=SamplerDefaults)
    # The video and audio branches run over windows of the lengths they were trained on
    # (frames / audio latent frames), tiling the clip and shifting every step
    # (stages.window_starts): time grows linearly with duration, and no position is ever one
    # the model has not seen. 0 = the whole clip at once.
    temporal_window: int = 16
    audio_window: int = 101
    compute_dtype: str = "bfloat16"  # what the networks sample in (model/precision.py)

    @property
    def side_multiple(self) -> int:
        """Sizes must tile into codec patches times every network's patch (the audio branch
        patches the video latent it watches too)."""
        patches = (self.spatial.patch, self.temporal.patch, self.audio.patch)
        return self.video_codec.patch * math.lcm(*patches)

    def __post_init__(self) -> None:
        check_dtype(self.compute_dtype)
        for side in (self.width, self.height):
            if side % self.side_multiple or side > self.max_side:
                raise ValueError(f"{self.name}: default size {self.width}x{self.height} is invalid")


# The production presets' autoencoder: 8x8 pixels per latent cell and 16 channels (the
# compression of Wan's and HunyuanVideo's VAEs per frame), four levels of ResBlocks.
PRODUCTION_CODEC = VideoCodecConfig(channels=16, widths=(128, 256, 512, 512), groups=32)

PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        name="tiny",
        width=64,
        height=64,
        fps=8,
        sample_rate=16_000,
        max_side=256,
        spatial=NetworkConfig(dim=128, depth=6, heads=4),  # 3 -> 6 at DiT step 40,452
        temporal=NetworkConfig(dim=128, depth=3, heads=4),
        audio=NetworkConfig(dim=128, depth=3, heads=4),
        audio_codec=AudioCodecConfig(high_bands=8),  # 2-8 kHz noise-filled in 750 Hz bands
    ),
    # Production presets: instantiated on the meta device for parameter/FLOP counts, and on GPUs.
    "720p": Preset(
        name="720p",
        width=1280,
        height=720,
        fps=24,
        sample_rate=48_000,
        max_side=1280,
        spatial=NetworkConfig(dim=1536, depth=24, heads=24),
        temporal=NetworkConfig(dim=1536, depth=24, heads=24),
        audio=NetworkConfig(dim=1024, depth=16, heads=16),
        video_codec=PRODUCTION_CODEC,
        audio_codec=AudioCodecConfig(hop=960, bins=256),
    ),
    "1080p": Preset(
        name="1080p",
        width=1920,
        height=1080,
        fps=24,
        sample_rate=48_000,
        max_side=1920,
        spatial=NetworkConfig(dim=2048, depth=28, heads=32, patch=1),
        temporal=NetworkConfig(dim=2048, depth=28, heads=32, patch=1),
        audio=NetworkConfig(dim=1024, depth=16, heads=16, patch=1),  # 135 latent rows: odd
        video_codec=PRODUCTION_CODEC,
        audio_codec=AudioCodecConfig(hop=960, bins=256),
    ),
    # 2K DCI-style 2048x1080: the 1080p networks over ~7% more latent cells per frame.
    "2k": Preset(
        name="2k",
        width=2048,
        height=1080,
        fps=24,
        sample_rate=48_000,
        max_side=2048,
        spatial=NetworkConfig(dim=2048, depth=28, heads=32, patch=1),
        temporal=NetworkConfig(dim=2048, depth=28, heads=32, patch=1),
        audio=NetworkConfig(dim=1024, depth=16, heads=16, patch=1),  # 135 latent rows: odd
        video_codec=PRODUCTION_CODEC,
        audio_codec=AudioCodecConfig(hop=960, bins=256),
    ),
}


def draft(preset: Preset) -> Preset:
    """The same networks (the same checkpoint loads) sampled in draft mode."""
    return replace(preset, name=f"{preset.name}-draft", sampler=preset.sampler.as_draft())


PRESETS["tiny-draft"] = draft(PRESETS["tiny"])


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}") from None
