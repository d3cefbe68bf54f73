"""A whole toy-world clip: frames, soundtrack, prompt, reference media, per-frame ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from reelflow.lab.toyworld.motion import path_xy, subject_track
from reelflow.lab.toyworld.render import (
    render_frames,
    shot_index_per_frame,
    subject_coverage,
    subject_diameter,
)
from reelflow.lab.toyworld.sample import sample_spec
from reelflow.lab.toyworld.sound import per_frame_mean, soundtrack, tone
from reelflow.lab.toyworld.spec import COLOURS, ClipSpec
from reelflow.lab.toyworld.wording.prompts import prompt_text


@dataclass(frozen=True, eq=False)
class Truth:
    """Per-frame ground truth, in pixels of the rendered frame."""

    centroid: np.ndarray  # (T, 2) float, (x, y) of the subject's area centroid
    size: np.ndarray  # (T,) float, subject diameter (bounding-box side)
    mouth: np.ndarray  # (T,) float in [0, 1], the face's mouth opening (zeros otherwise)
    contacts: tuple[int, ...]  # frames at which a bounce touches the ground
    cut_frames: tuple[int, ...]  # first frame of each shot after the first
    shot_index: np.ndarray  # (T,) int, which shot each frame belongs to


@dataclass(frozen=True, eq=False)
class Clip:
    frames: np.ndarray  # (T, H, W, 3) uint8
    audio: np.ndarray  # (N,) float32 in [-1, 1], sample-aligned with the frames
    fps: int
    sample_rate: int
    prompt: str
    spec: ClipSpec
    truth: Truth


def render_clip(spec: ClipSpec) -> Clip:
    track = subject_track(spec)
    sound = soundtrack(spec, track.contacts)
    # the mouth opens with the speech loudness averaged over each frame's samples
    mouth = per_frame_mean(sound.envelope, spec.fps, spec.sample_rate, spec.num_frames)
    frames = render_frames(spec, track, mouth)
    shots = shot_index_per_frame(spec)
    sizes = np.array(
        [subject_diameter(spec, int(shots[f]), float(track.scale[f])) for f in range(len(shots))]
    )
    truth = Truth(
        centroid=np.stack([track.x, track.y], axis=1) * spec.size,
        size=sizes,
        mouth=mouth if spec.subject == "face" else np.zeros_like(mouth),
        contacts=track.contacts,
        cut_frames=spec.cut_frames(),
        shot_index=shots,
    )
    return Clip(frames, sound.audio, spec.fps, spec.sample_rate, prompt_text(spec), spec, truth)


def reference_media(spec: ClipSpec) -> dict[str, np.ndarray]:
    """The files a prompt's @references point at, keyed by reference name.

    image1: (H, W, 3) uint8, the subject at medium size on neutral grey;
    video1: (T, H, W, 3) uint8, a white dot tracing the path on black;
    audio1: (N,) float32, one second of the reference tone.
    """
    size, out = spec.size, {}
    if spec.image_ref:
        body, features = subject_coverage(spec.subject, size / 2, size / 2, 0.45 * size, size)
        image = np.full((size, size, 3), 110.0)
        image = image * (1 - body[..., None]) + np.array(COLOURS[spec.colour]) * body[..., None]
        image = image * (1 - features[..., None]) + 25.0 * features[..., None]
        out["image1"] = np.rint(image).astype(np.uint8)
    if spec.video_ref is not None:
        xs, ys = path_xy(spec.video_ref.path, spec.num_frames)
        video = np.zeros((spec.num_frames, size, size, 3), dtype=np.uint8)
        for f, (x, y) in enumerate(zip(xs, ys, strict=True)):
            dot, _ = subject_coverage("circle", x * size, y * size, 0.12 * size, size)
            video[f] = np.rint(255 * dot)[..., None].astype(np.uint8)
        out["video1"] = video
    if spec.audio_ref is not None:
        wave = tone(spec.audio_ref.freq_hz, spec.sample_rate, spec.sample_rate, amplitude=0.5)
        out["audio1"] = wave.astype(np.float32)
    return out


def make_dataset(
    n: int, seed: int, split: str = "train", **sample_kwargs: object
) -> Iterator[Clip]:
    """`n` clips from one seed: the same seed always yields the same clips."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield render_clip(sample_spec(rng, split=split, **sample_kwargs))  # type: ignore[arg-type]
