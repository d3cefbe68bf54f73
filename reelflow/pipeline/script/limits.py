"""Every limit a request is checked against, in one frozen config.

The request limits follow the Seedance 2.0 spec (prompt, duration, reference counts). The per-file
limits are ours: they bound what decoding one attached file can cost (bytes read, pixels allocated,
frames decoded, seconds of audio) so a decompression bomb or an hour-long upload fails fast with a
clear error instead of exhausting memory or time. See docs/prompt-script.md.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # The request.
    max_prompt_chars: int = 5000
    max_duration_s: float = 15.0
    default_duration_s: float = 4.0  # used when the prompt has no time markers and no duration
    min_fps: int = 1
    max_fps: int = 30
    min_side: int = 32
    max_side: int = 1024
    side_multiple: int = 8  # the video latent codec downsamples by 8
    min_sample_rate: int = 8000
    max_sample_rate: int = 48000
    max_references: int = 12
    max_images: int = 9
    max_videos: int = 3
    max_audios: int = 3
    # One attached file, checked before and during decoding.
    max_file_bytes: int = 20 * MIB
    max_image_pixels: int = 4096 * 4096  # from the header, before any pixel is decoded
    max_video_pixels: int = 1920 * 1080  # per source frame, from the stream header
    max_video_seconds: float = 15.0
    max_video_decoded_frames: int = 900  # 15 s at 60 fps: bounds decoding work
    max_video_frames: int = 64  # frames kept; longer videos are subsampled evenly in time
    max_audio_seconds: float = 15.0
    max_audio_channels: int = 8
    max_reference_side: int = 1024  # decoded images and frames are downscaled to fit

    def __post_init__(self) -> None:
        positive = {
            "max_prompt_chars": self.max_prompt_chars,
            "max_duration_s": self.max_duration_s,
            "default_duration_s": self.default_duration_s,
            "min_fps": self.min_fps,
            "min_side": self.min_side,
            "side_multiple": self.side_multiple,
            "min_sample_rate": self.min_sample_rate,
            "max_file_bytes": self.max_file_bytes,
            "max_image_pixels": self.max_image_pixels,
            "max_video_pixels": self.max_video_pixels,
            "max_video_seconds": self.max_video_seconds,
            "max_video_decoded_frames": self.max_video_decoded_frames,
            "max_video_frames": self.max_video_frames,
            "max_audio_seconds": self.max_audio_seconds,
            "max_audio_channels": self.max_audio_channels,
            "max_reference_side": self.max_reference_side,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")
        for name in ("max_references", "max_images", "max_videos", "max_audios"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.default_duration_s > self.max_duration_s:
            raise ValueError("default_duration_s must not exceed max_duration_s")
        if self.min_fps > self.max_fps:
            raise ValueError(f"min_fps {self.min_fps} > max_fps {self.max_fps}")
        if self.min_side > self.max_side:
            raise ValueError(f"min_side {self.min_side} > max_side {self.max_side}")
        if self.min_side % self.side_multiple or self.max_side % self.side_multiple:
            raise ValueError("min_side and max_side must be multiples of side_multiple")
        if self.min_sample_rate > self.max_sample_rate:
            raise ValueError("min_sample_rate > max_sample_rate")
        if self.max_video_frames > self.max_video_decoded_frames:
            raise ValueError("max_video_frames must not exceed max_video_decoded_frames")


DEFAULT_LIMITS = Limits()
