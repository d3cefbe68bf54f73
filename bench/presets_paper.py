"""Family 7, production presets on paper: parameters, FLOPs per denoising step and activation
memory of the 720p, 1080p and 2K presets for a 15 s clip, computed by running the model code
on the meta device (no weights, no memory), next to published anchors.

FLOPs count every op of one forward with classifier-free guidance as one batch of 2; attention
is counted analytically and assumed to be a flash kernel (no score matrix in memory). The video
autoencoder's decode runs once per clip (in the Muxer), in chunks of DECODE_CHUNK frames; its
activation figure is one chunk's.
Activation memory is the peak of live tensors during one forward, at bf16 (half the fp32
meta pass), excluding weights and inputs.
"""

from __future__ import annotations

import time

import torch

from bench.common import BenchConfig, Report, Table
from bench.flops import LiveBytes, forward_flops
from reelflow.pipeline.generation.stages import audio_network, spatial_network, temporal_network
from reelflow.pipeline.generation.windows import window_starts
from reelflow.pipeline.model.presets import Preset, get_preset
from reelflow.pipeline.model.video_autoencoder import VideoCodec

SECONDS = 15.0
DECODE_CHUNK = 8  # frames the Muxer decodes at once (VideoCodec.decode's batch)
TEXT_TOKENS = 32  # one shot's prompt tokens (MiniLM pads to the longest prompt)
H100_BF16_DENSE = 989e12  # FLOP/s, NVIDIA H100 SXM datasheet, dense bf16
ASSUMED_MFU = 0.4
ANCHORS = (
    ("Seedance 1.0", "5 s 1080p video", "41.4 s on one L20 (distilled, published)"),
    ("Ovi", "5 s 720×720 video + audio", "~83 s on one GPU (published)"),
    ("MMAudio", "8 s audio", "1.23 s (published)"),
)


def clip_lengths(preset: Preset) -> tuple[int, int]:
    """(video frames, audio latent frames) of a SECONDS clip."""
    samples = round(SECONDS * preset.sample_rate)
    return round(SECONDS * preset.fps), -(-samples // preset.audio_codec.hop) + 1


def windows_per_step(total: int, size: int) -> float:
    """Windows a branch runs over a clip per step, averaged over the two alternating tilings."""
    return sum(len(window_starts(total, size, phase)) for phase in (0, 1)) / 2


def _inputs(preset: Preset, batch: int = 2) -> dict[str, dict[str, torch.Tensor]]:
    """One forward's inputs per branch: a window of the clip for the temporal and audio
    branches (stages run them window by window), every frame for the refinement."""
    clip_frames, clip_tokens = clip_lengths(preset)
    frames = min(clip_frames, preset.temporal_window or clip_frames)
    audio_tokens = min(clip_tokens, preset.audio_window or clip_tokens)
    heard = max(1, round(audio_tokens * preset.audio_codec.hop / preset.sample_rate * preset.fps))
    c, p = preset.video_codec.channels, preset.video_codec.patch
    h, w = preset.height // p, preset.width // p
    bins, dt = preset.audio_codec.channels, preset.spatial.text_dim
    video = torch.empty(batch, frames, c, h, w)
    audio = torch.empty(batch, audio_tokens, bins)
    t = torch.empty(batch)
    return {
        "temporal": {
            "x": video,
            "keyframes": video,
            "audio": torch.empty(batch, audio_tokens, bins),
            "audio_to_frame": torch.empty(frames, audio_tokens),
            "t": t,
            "text": torch.empty(batch, frames, TEXT_TOKENS, dt),
            "text_mask": torch.empty(batch, frames, TEXT_TOKENS, dtype=torch.bool),
            "pooled": torch.empty(batch, frames, dt),
        },
        "audio": {  # the audio window watches the frames it plays under
            "x": audio,
            "video": torch.empty(batch, heard, c, h, w),
            "frame_of_token": (torch.arange(audio_tokens) * heard // audio_tokens).long(),
            "t": t,
            "text": torch.empty(batch, TEXT_TOKENS, dt),
            "text_mask": torch.empty(batch, TEXT_TOKENS, dtype=torch.bool),
            "pooled": torch.empty(batch, audio_tokens, dt),
        },
        "spatial": {  # refinement: every frame at once, as SpatialStage.velocity runs it
            "x": torch.empty(batch * clip_frames, c, h, w),
            "t": torch.empty(batch * clip_frames),
            "text": torch.empty(batch * clip_frames, TEXT_TOKENS, dt),
            "text_mask": torch.empty(batch * clip_frames, TEXT_TOKENS, dtype=torch.bool),
            "pooled": torch.empty(batch * clip_frames, dt),
        },
    }


def paper(preset: Preset) -> dict[str, dict[str, float]]:
    out = {}
    with torch.device("meta"):
        networks = {
            "temporal": temporal_network(preset),
            "audio": audio_network(preset),
            "spatial": spatial_network(preset),
        }
        inputs = _inputs(preset)
        clip_frames, clip_tokens = clip_lengths(preset)
        repeats = {
            "temporal": windows_per_step(clip_frames, preset.temporal_window),
            "audio": windows_per_step(clip_tokens, preset.audio_window),
            "spatial": 1.0,
        }
        for name, net in networks.items():
            kwargs = inputs[name]
            with torch.inference_mode():
                flops = forward_flops(lambda net=net, kwargs=kwargs: net(**kwargs))
                with LiveBytes() as live:
                    net(**kwargs)
            out[name] = {
                "params": sum(p.numel() for p in net.parameters()),
                "flops_per_step": flops * repeats[name],  # every window of the clip
                "windows_per_step": repeats[name],
                "activation_bytes_bf16": live.peak / 2,  # one window's
                "input_bytes_bf16": sum(v.numel() * 2 for v in kwargs.values()),
            }
        out["decode"] = _decode_figures(preset)
    return out


def _decode_figures(preset: Preset) -> dict[str, float]:
    """The video autoencoder's decode of a whole clip (called on the meta device)."""
    codec = VideoCodec(preset.video_codec)
    frames = round(SECONDS * preset.fps)
    latent = torch.empty(preset.video_codec.latent_shape(frames, preset.height, preset.width))
    chunk = latent[:DECODE_CHUNK]
    with torch.inference_mode():
        flops = forward_flops(lambda: codec.decode(latent, batch=DECODE_CHUNK))
        with LiveBytes() as live:
            codec.decode(chunk, batch=DECODE_CHUNK)
    return {
        "params": sum(p.numel() for p in codec.decoder.parameters()),
        "flops_per_step": flops,  # per clip: the decode runs once, after the last step
        "activation_bytes_bf16": live.peak / 2,
        "input_bytes_bf16": latent.numel() * 2,
    }


def _g(x: float) -> str:
    return f"{x / 1e9:,.2f} G" if x < 1e12 else f"{x / 1e12:,.1f} T"


def run(config: BenchConfig) -> Report:
    rows, data = [], {}
    steps = 20  # the presets' default sampler steps
    began = time.perf_counter()
    for name in ("720p", "1080p", "2k"):
        preset = get_preset(name)
        figures = paper(preset)
        data[name] = figures
        for branch, f in figures.items():
            rows.append(
                (
                    f"{name} {preset.width}×{preset.height}",
                    "decode (once per clip)" if branch == "decode" else branch,
                    f"{f['params'] / 1e9:.2f} B",
                    f"{f['flops_per_step'] / 1e15:,.1f} PFLOP",
                    f"{f['activation_bytes_bf16'] / 2**30:,.0f} GiB",
                )
            )
        joint = figures["temporal"]["flops_per_step"] + figures["audio"]["flops_per_step"]
        refine = figures["spatial"]["flops_per_step"]
        decode = figures["decode"]["flops_per_step"]
        refined = round(steps * preset.sampler.refine_below)  # steps with t < refine_below
        total = steps * joint + refined * refine + decode
        data[name]["decode_share"] = decode / total
        seconds = total / (H100_BF16_DENSE * ASSUMED_MFU)
        data[name]["clip_flops_20_steps"] = total
        data[name]["h100_seconds_at_40pct_mfu"] = seconds
        rows.append(
            (
                f"{name}: 15 s clip, {steps} steps",
                "all",
                "",
                f"{total / 1e18:,.2f} EFLOP",
                f"≈ {seconds / 60:,.0f} min on one H100 at 40% MFU (decode {decode / total:.1%})",
            )
        )
    meta_s = time.perf_counter() - began
    return Report(
        family="presets_paper",
        tables=(
            Table(
                f"Production presets on paper, {SECONDS:g} s clips (meta device, CFG batch 2)",
                ("preset", "branch", "params", "FLOPs per step", "peak activations (bf16)"),
                tuple(rows),
                (
                    "Temporal and audio: every window of the clip per step (the stages run "
                    "them over the windows they were trained on); peak activations are one "
                    "window's. Spatial = refinement velocity of every frame (runs while "
                    f"t < {get_preset('720p').sampler.refine_below:g}). "
                    f"Computed in {meta_s:.0f} s; no GPU was lent to this session, so no real "
                    "bf16 step was measured.",
                ),
            ),
            Table(
                "Published anchors (other systems; not measured here)",
                ("system", "output", "time"),
                ANCHORS,
            ),
        ),
        data=data,
    )
