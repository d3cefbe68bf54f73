"""The five stages as plain Python objects: what Ray Serve deployments wrap, and what the
embedded path calls directly. Tensors cross stage boundaries in float16 (the wire dtype), in
both paths, so embedded and served runs compute bit-identical results.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

from reelflow.pipeline.generation.conditioning import (
    Conditioning,
    audio_to_frame_weights,
    clip_position,
    frame_of_audio_token,
    pad_tokens,
    shot_starts,
)
from reelflow.pipeline.generation.mux import decode_upload, encode_mp4
from reelflow.pipeline.generation.preview import sprite_jpeg
from reelflow.pipeline.generation.reference_tokens import encode_references, token_dims
from reelflow.pipeline.generation.windows import blend, spans, window_index
from reelflow.pipeline.model.audio_codec import AudioCodec
from reelflow.pipeline.model.audio_flow import AudioFlow
from reelflow.pipeline.model.precision import computing, in_dtype
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.model.sampling import euler_step, guided_velocity, seeded_noise, timesteps
from reelflow.pipeline.model.spatial_dit import SpatialDiT
from reelflow.pipeline.model.temporal_rayflow import TemporalRayFlow
from reelflow.pipeline.model.text_encoder import TextEmbedding, TextEncoder
from reelflow.pipeline.model.video_autoencoder import VideoCodec, to_frames
from reelflow.pipeline.model.weights import load_tensor, load_weights
from reelflow.pipeline.script.plan import Plan

WIRE_DTYPE = torch.float16
# CPU matmuls split their reductions by thread count, so results differ in the last bits
# between thread counts. Every stage pins the same count, embedded or in a replica, which keeps
# served and embedded output bit-identical; the two branches of a step still run in parallel.
INTRA_OP_THREADS = 1
KEYFRAME_NOISE_STREAM = 2  # streams 0 and 1 are the video and audio noise of the joint loop


# Every layer frees and re-allocates MB-sized activations (MLP hiddens, attention outputs).
# glibc serves such sizes with fresh mmaps that are returned on free, so each first touch
# page-faults again (measured ~5 ms per 4 MB GELU output on this VM, half the op's time).
# Raising the mmap and trim thresholds keeps them in the heap, whose pages stay warm. It is an
# allocation policy only: every number computed is unchanged.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
HEAP_KEEP_BYTES = 512 * 1024 * 1024


def keep_heap_warm() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return
    libc.mallopt(_M_MMAP_THRESHOLD, HEAP_KEEP_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, HEAP_KEEP_BYTES)


def pin_threads() -> None:
    """The process policy every stage sets: pinned intra-op threads, a warm heap."""
    torch.set_num_threads(INTRA_OP_THREADS)
    keep_heap_warm()


def to_wire(x: torch.Tensor) -> torch.Tensor:
    return x.to(WIRE_DTYPE)


def _batch_t(t: float, batch: int) -> torch.Tensor:
    return torch.full((batch,), t, dtype=torch.float32)


def spatial_network(preset: Preset) -> SpatialDiT:
    return SpatialDiT(preset.spatial, preset.video_codec.channels, token_dims(preset).appearance)


def temporal_network(preset: Preset) -> TemporalRayFlow:
    dims = token_dims(preset)
    return TemporalRayFlow(
        preset.temporal,
        preset.video_codec.channels,
        preset.audio_codec.channels,
        dims.appearance,
        dims.motion,
    )


def audio_network(preset: Preset) -> AudioFlow:
    return AudioFlow(preset.audio, preset.audio_codec.channels, preset.video_codec.channels)


NETWORKS = {"spatial": spatial_network, "temporal": temporal_network, "audio": audio_network}


def build_network(preset: Preset, branch: str) -> torch.nn.Module:
    """A branch's network at its fresh init, in eval mode."""
    return NETWORKS[branch](preset).eval()


def video_codec(preset: Preset, checkpoint: Path | None, seed: int = 3) -> VideoCodec:
    """The learned video codec, from the checkpoint's `codec.` tensors (or a seeded init)."""
    codec = VideoCodec(preset.video_codec).eval()
    load_weights(codec, checkpoint, "codec.", seed)
    return codec


AUDIO_BIN_SCALE = "audio_codec.bin_scale"


def audio_codec(preset: Preset, checkpoint: Path | None) -> AudioCodec:
    """The audio latent codec with the checkpoint's per-bin standardisation (none without)."""
    return AudioCodec(preset.audio_codec, load_tensor(checkpoint, AUDIO_BIN_SCALE))


class PromptEncoderStage:
    def __init__(self, preset: Preset, checkpoint: Path | None, cache_size: int = 256):
        pin_threads()
        self.preset = preset
        self.video_codec = video_codec(preset, checkpoint)  # reference images and videos
        self.encoder = TextEncoder()
        self.null = self.encoder.encode([""])
        # Repeated prompts (retries, seeds, drafts then finals) skip the text model: an LRU
        # keyed by the shot texts, which is all the embedding depends on (padding included).
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, ...], TextEmbedding] = OrderedDict()
        self._lock = threading.Lock()  # a replica may run several encode calls in threads
        self.hits = self.misses = 0

    def text(self, texts: tuple[str, ...]) -> TextEmbedding:
        with self._lock:
            cached = self._cache.get(texts)
            if cached is not None:
                self._cache.move_to_end(texts)
                self.hits += 1
                return cached
            self.misses += 1
        embedding = self.encoder.encode(list(texts))
        with self._lock:
            self._cache[texts] = embedding
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return embedding

    def negative(self, plan: Plan) -> TextEmbedding:
        """What the unconditional half of guidance reads: the negative prompt, replacing the
        empty one when given (as Stable Diffusion does), so guidance pushes away from it."""
        return self.text((plan.negative_prompt,)) if plan.negative_prompt else self.null

    def encode(self, plan: Plan) -> Conditioning:
        text = self.text(tuple(shot.text for shot in plan.shots))
        null = self.negative(plan)
        # Conditioning.unconditional pads the null tokens to the shots' length, so the shots
        # must be at least as long; they only grow for a negative prompt longer than them.
        length = max(text.mask.shape[1], null.mask.shape[1])
        refs = encode_references(plan, self.preset, self.video_codec)
        return Conditioning(
            text_tokens=to_wire(pad_tokens(text.tokens, length, -2)),
            # cached masks are padded or cloned: never shared with callers
            text_mask=pad_tokens(text.mask, length, -1).clone(),
            text_pooled=to_wire(text.pooled),
            null_tokens=to_wire(null.tokens),
            null_mask=null.mask.clone(),
            null_pooled=to_wire(null.pooled),
            shot_of_frame=torch.from_numpy(plan.shot_index_per_frame()),
            fps=plan.fps,
            sample_rate=plan.sample_rate,
            appearance=to_wire(refs.appearance),
            motion=to_wire(refs.motion),
            sound=to_wire(refs.sound),
            first_frame=to_wire(refs.first_frame),
            last_frame=to_wire(refs.last_frame),
        )


class SpatialStage:
    def __init__(self, preset: Preset, checkpoint: Path | None, seed: int = 0):
        pin_threads()
        self.preset = preset
        self.model = spatial_network(preset).eval()
        self.trained = load_weights(self.model, checkpoint, "spatial.", seed)

    def _velocity(
        self,
        x: torch.Tensor,
        t: float,
        cond: Conditioning,
        rows: torch.Tensor,
        frames: torch.Tensor,
        scale: float,
    ) -> torch.Tensor:
        """x's rows read the text of shots `rows` and are the clip's frames `frames`."""
        null = cond.unconditional()
        position = clip_position(frames, cond.num_frames)
        return guided_velocity(
            in_dtype(self.model, self.preset.compute_dtype),
            scale,
            shared={"x": x, "t": _batch_t(t, x.shape[0]), "position": position},
            cond=_text(cond, rows) | _refs(cond, ("appearance",), len(rows)),
            uncond=_text(null, rows) | _refs(null, ("appearance",), len(rows)),
        )

    @torch.inference_mode()
    def keyframes(
        self,
        cond: Conditioning,
        seed: int,
        steps: int,
        guidance: float,
        shift: float,
        height: int,
        width: int,
    ) -> torch.Tensor:
        """One keyframe latent per shot (S, C, h, w), sampled from this branch alone."""
        patch = self.preset.video_codec.patch
        shape = (cond.num_shots, self.preset.video_codec.channels, height // patch, width // patch)
        x = seeded_noise(shape, seed, KEYFRAME_NOISE_STREAM)
        shots, starts = torch.arange(cond.num_shots), shot_starts(cond.shot_of_frame)
        times = timesteps(steps, shift)
        for t, t_next in itertools.pairwise(times):
            v = self._velocity(x, t, cond, shots, starts, guidance)
            x = euler_step(x, v, t, t_next)
        if cond.first_frame.numel():  # a first_frame reference is the first shot's keyframe
            x[0] = cond.first_frame.float()
        return to_wire(x)

    @torch.inference_mode()
    def velocity(
        self, xv: torch.Tensor, t: float, cond: Conditioning, guidance: float
    ) -> torch.Tensor:
        """Per-frame velocity (T, C, h, w), each frame reading its own shot's text."""
        frames = torch.arange(cond.num_frames)
        return to_wire(self._velocity(xv.float(), t, cond, cond.shot_of_frame, frames, guidance))


class TemporalStage:
    def __init__(self, preset: Preset, checkpoint: Path | None, seed: int = 1):
        pin_threads()
        self.preset = preset
        self.model = temporal_network(preset).eval()
        self.trained = load_weights(self.model, checkpoint, "temporal.", seed)

    @torch.inference_mode()
    def velocity(
        self,
        xv: torch.Tensor,
        xa: torch.Tensor,
        t: float,
        cond: Conditioning,
        keyframes: torch.Tensor,
        guidance: float,
        phase: int = 0,
    ) -> torch.Tensor:
        """xv (T, C, h, w), xa (Ta, Ca), keyframes (S, C, h, w) -> velocity (T, C, h, w).

        Runs over windows of `temporal_window` frames tiling the clip as `phase` says
        (window_starts; one batched forward) and blends them, so every frame sees positions the
        branch was trained on."""
        total = xv.shape[0]
        frames = window_index(total, self.preset.temporal_window, phase)  # (W, F)
        shots = cond.shot_of_frame[frames]  # (W, F)
        token_frames = frame_of_audio_token(
            xa.shape[0], total, self.preset.audio_codec.hop, cond.fps, cond.sample_rate
        )
        # each window reads only the audio tokens under its frames, so cost stays linear
        # tokens are in frame order: those under frames [a, b] are one contiguous run
        low = torch.searchsorted(token_frames, frames[:, 0].contiguous())
        high = torch.searchsorted(token_frames, frames[:, -1].contiguous(), right=True) - 1
        tokens = spans(low, high, xa.shape[0])  # (W, A)
        weights = audio_to_frame_weights(token_frames, total)  # (T, Ta)
        audio_to_frame = weights[frames[:, :, None], tokens[:, None, :]]  # (W, F, A)
        windows = frames.shape[0]
        null = cond.unconditional()
        v = guided_velocity(
            in_dtype(self.model, self.preset.compute_dtype),
            guidance,
            shared={
                "x": xv.float()[frames],
                "keyframes": keyframes.float()[shots],  # each frame its own shot's keyframe
                "audio": xa.float()[tokens],
                "audio_to_frame": audio_to_frame,
                "t": _batch_t(t, windows),
            },
            cond=_text(cond, shots) | _refs(cond, ("appearance", "motion"), windows),
            uncond=_text(null, shots) | _refs(null, ("appearance", "motion"), windows),
        )
        return to_wire(blend(v, frames, total))


class AudioStage:
    def __init__(self, preset: Preset, checkpoint: Path | None, seed: int = 2):
        pin_threads()
        self.preset = preset
        self.model = audio_network(preset).eval()
        self.trained = load_weights(self.model, checkpoint, "audio.", seed)

    @torch.inference_mode()
    def velocity(
        self,
        xa: torch.Tensor,
        xv: torch.Tensor,
        t: float,
        cond: Conditioning,
        guidance: float,
        phase: int = 0,
    ) -> torch.Tensor:
        """xa (Ta, Ca), xv (T, C, h, w) at the same noise level -> velocity (Ta, Ca), over
        windows of `audio_window` latent frames tiling the clip as `phase` says (one batched
        forward), blended."""
        total = xa.shape[0]
        token_frames = frame_of_audio_token(
            total, xv.shape[0], self.preset.audio_codec.hop, cond.fps, cond.sample_rate
        )
        tokens = window_index(total, self.preset.audio_window, phase)  # (W, A)
        shot_of_token = cond.shot_of_frame[token_frames[tokens]]  # (W, A)
        # each window watches only the frames its tokens play under, so cost stays linear
        played = token_frames[tokens]  # (W, A), non-decreasing along A
        frames = spans(played[:, 0], played[:, -1], xv.shape[0])  # (W, F)
        windows = tokens.shape[0]
        null = cond.unconditional()
        v = guided_velocity(
            in_dtype(self.model, self.preset.compute_dtype),
            guidance,
            shared={
                "x": xa.float()[tokens],
                "video": xv.float()[frames],
                "frame_of_token": played - frames[:, :1],
                "t": _batch_t(t, windows),
            },
            cond=_all_shots(cond, shot_of_token) | _refs(cond, ("sound",), windows),
            uncond=_all_shots(null, shot_of_token) | _refs(null, ("sound",), windows),
        )
        return to_wire(blend(v, tokens, total))


class MuxerStage:
    def __init__(self, preset: Preset, checkpoint: Path | None):
        pin_threads()
        self.preset = preset
        self.video_codec = video_codec(preset, checkpoint)
        self.audio_codec = audio_codec(preset, checkpoint)

    def _decode(self, x: torch.Tensor) -> torch.Tensor:
        """Latents -> frames (T, 3, H, W) in [-1, 1], decoded in the preset's compute dtype
        (bfloat16: 2.5x faster, 0.1 grey levels from float32 on average, at most 2)."""
        with computing(self.preset.compute_dtype, x.device.type):
            return self.video_codec.decode(x.float()).float()

    @torch.inference_mode()
    def decode_and_mux(
        self, xv: torch.Tensor, xa: torch.Tensor, fps: int, sample_rate: int, num_samples: int
    ) -> bytes:
        pixels = to_frames(self._decode(xv))
        audio = self.audio_codec.decode(xa.float(), num_samples)
        return encode_mp4(np.ascontiguousarray(pixels.numpy()), audio.numpy(), fps, sample_rate)

    @torch.inference_mode()
    def encode_source(
        self, mp4: bytes, fps: int, width: int, height: int, sample_rate: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """An uploaded MP4 -> (xv, xa) wire latents at this fps, size and rate: what an edit of
        a clip that did not run here starts from (editing/source.py)."""
        decoded = decode_upload(mp4, fps, width, height, sample_rate)
        xv = torch.cat([self.video_codec.encode(chunk) for chunk in decoded.frames.split(32)])
        return to_wire(xv), to_wire(self.audio_codec.encode(decoded.audio))

    @torch.inference_mode()
    def preview(self, x0: torch.Tensor) -> bytes:
        """A few frames of the loop's x0 estimate (k, C, h, w) -> a small JPEG sprite."""
        return sprite_jpeg(self._decode(x0))


def _text(cond: Conditioning, rows: torch.Tensor) -> dict[str, torch.Tensor]:
    """Text inputs for a batch whose element i reads shot `rows[i]`."""
    return {
        "text": cond.text_tokens.float()[rows],
        "text_mask": cond.text_mask[rows],
        "pooled": cond.text_pooled.float()[rows],
    }


def _refs(cond: Conditioning, kinds: tuple[str, ...], batch: int) -> dict[str, torch.Tensor]:
    """Reference inputs repeated for a batch of frames or shots."""
    return {k: v.expand(batch, *v.shape[1:]) for k, v in cond.reference_inputs(kinds).items()}


def _all_shots(cond: Conditioning, shot_of_token: torch.Tensor) -> dict[str, torch.Tensor]:
    """Audio-branch text: every shot's tokens as one context, each token's shot as adaLN input.
    shot_of_token (W, A) -> a batch of W windows."""
    windows = shot_of_token.shape[0]
    return {
        "text": cond.text_tokens.float().flatten(0, 1)[None].expand(windows, -1, -1),
        "text_mask": cond.text_mask.flatten()[None].expand(windows, -1),
        "pooled": cond.text_pooled.float()[shot_of_token],
    }
