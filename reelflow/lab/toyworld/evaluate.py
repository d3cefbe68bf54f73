"""Analytic evaluator: an MP4 plus the ClipSpec it was asked for -> Scores.

It measures what a viewer would check (colour, shape, motion, framing, cuts, sound, sync,
references, flicker) from pixels and samples only. Ground-truth renders score ~100%, noise scores
near chance; that pair is what makes the numbers on generated clips trustworthy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from reelflow.lab.toyworld.measure_audio import classify_audio, measure_audio
from reelflow.lab.toyworld.measure_video import (
    VideoMeasure,
    classify_colour,
    classify_shape,
    flicker,
    measure_video,
    speckle,
)
from reelflow.lab.toyworld.motion import FRAMING_SIZE, bounce_period, path_xy, subject_track
from reelflow.lab.toyworld.sample import is_heldout
from reelflow.lab.toyworld.sound import expected_pitch
from reelflow.lab.toyworld.spec import FRAMINGS, ClipSpec
from reelflow.pipeline.generation.mux import decode_mp4

PITCH_TOLERANCE = 0.03  # relative
MOVE_MIN = 0.15  # net travel, fraction of the frame, that counts as a move
SIZE_MIN = 0.25  # net log-size change that counts as growing or shrinking
BOUNCE_MIN = 0.04  # residual vertical spread, fraction of the frame, that counts as bouncing
TRAJECTORY_MIN = 0.8  # correlation with a video reference's path


@dataclass(frozen=True)
class Scores:
    name: str
    heldout: bool
    colour: str  # measured
    colour_ok: bool
    shape: str
    shape_ok: bool
    motion: str
    motion_ok: bool | None  # None when the motion is a video reference's path
    framing: tuple[str, ...]  # per shot
    framing_ok: bool
    cut_frames: tuple[int, ...]
    cuts_ok: bool | None  # None for one-shot clips
    audio: str
    audio_ok: bool
    pitch_hz: float | None
    pitch_ok: bool | None  # None where the audio class has no single pitch
    av_offset_ms: float | None  # audio onset minus visual contact, bounces only
    av_ok: bool | None
    lip_sync: float | None  # correlation of mouth opening with loudness, speech only
    lip_sync_closeup: float | None  # the same over close-up frames (the target)
    reference_ok: bool | None  # None without references
    flicker: float
    speckle: float  # frame fidelity (measure_video.speckle); renders score below 1

    def __post_init__(self) -> None:
        if self.av_ok is not None and self.av_ok and self.av_offset_ms is None:
            raise ValueError("av_ok needs a measured offset")


def _slope(t: np.ndarray, v: np.ndarray, groups: np.ndarray) -> float:
    """Least-squares slope of v over t with one intercept per group (shot)."""
    tc, vc = t.copy(), v.copy()
    for g in np.unique(groups):
        sel = groups == g
        tc[sel] -= tc[sel].mean()
        vc[sel] -= vc[sel].mean()
    denominator = float((tc**2).sum())
    return float((tc * vc).sum() / denominator) if denominator > 0 else 0.0


def motion_class(m: VideoMeasure, spec: ClipSpec, shots: np.ndarray) -> str:
    ok = m.present & np.isfinite(m.size)
    if ok.sum() < 3:
        return "still"
    t = np.flatnonzero(ok) / spec.fps
    x = m.centroid[ok, 0] / spec.size
    y = m.centroid[ok, 1] / spec.size
    one = np.zeros(len(t), int)
    dx = _slope(t, x, one) * spec.duration_s
    dy = _slope(t, y, one) * spec.duration_s
    dlog = _slope(t, np.log(m.size[ok]), shots[ok]) * spec.duration_s
    residual = y - (y.mean() + _slope(t, y, one) * (t - t.mean()))
    if residual.std() > BOUNCE_MIN and len(visual_contacts(m, spec)) >= 2:
        return "bounce"
    if abs(dlog) > SIZE_MIN:
        return "grow" if dlog > 0 else "shrink"
    if max(abs(dx), abs(dy)) > MOVE_MIN:
        if abs(dx) >= abs(dy):
            return "right" if dx > 0 else "left"
        return "down" if dy > 0 else "up"
    return "still"


def visual_contacts(m: VideoMeasure, spec: ClipSpec) -> list[int]:
    """Frames where the subject is lowest on screen locally: a bounce's ground contacts."""
    y = np.where(m.present, m.centroid[:, 1], np.nan)
    if np.isfinite(y).sum() < 3:
        return []
    low, high = np.nanmin(y), np.nanmax(y)
    if high - low < 0.1 * spec.size:
        return []
    padded = np.concatenate([[-np.inf], np.where(np.isnan(y), -np.inf, y), [-np.inf]])
    here, before, after = padded[1:-1], padded[:-2], padded[2:]
    # a local maximum of height-on-screen (y grows downwards) near the lowest level seen
    near_ground = here >= low + 0.7 * (high - low)
    peak = np.isfinite(here) & (here >= before) & (here > after) & near_ground
    return [int(f) for f in np.flatnonzero(peak)]


def detect_cuts(frame_diff: np.ndarray) -> tuple[int, ...]:
    """Frames whose difference to the previous frame spikes far above their neighbours'."""
    out = []
    for f in range(1, len(frame_diff)):
        neighbours = np.concatenate([frame_diff[max(1, f - 3) : f], frame_diff[f + 1 : f + 4]])
        floor = float(np.median(neighbours)) if len(neighbours) else 0.0
        if frame_diff[f] > 4.0 and frame_diff[f] > 3.0 * floor:
            out.append(f)
    return tuple(out)


def _framings(m: VideoMeasure, spec: ClipSpec, shots: np.ndarray) -> tuple[str, ...]:
    scale = subject_track(spec).scale  # the asked-for growth, so framing is judged at that size
    out = []
    for index in range(len(spec.shots)):
        sel = (shots == index) & m.present
        if not sel.any():
            out.append("none")
            continue
        ratio = float(np.median(np.log(m.size[sel] / (scale[sel] * spec.size))))
        out.append(min(FRAMINGS, key=lambda name: abs(ratio - np.log(FRAMING_SIZE[name]))))
    return tuple(out)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a**2).sum() * (b**2).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def evaluate_arrays(
    frames: np.ndarray,
    audio: np.ndarray,
    sample_rate: int,
    spec: ClipSpec,
    name: str = "",
) -> Scores:
    n = min(len(frames), spec.num_frames)
    frames = frames[:n]
    audio = np.asarray(audio, dtype=np.float64)[: spec.num_samples]
    shots = np.zeros(n, int)
    for index, (start, end) in enumerate(spec.shot_frames()):
        shots[start:end] = index
    m = measure_video(frames, spec)
    present = m.present
    colour_votes = [classify_colour(c) for c in m.colour[present]]
    colour = max(set(colour_votes), key=colour_votes.count) if colour_votes else "none"
    if present.any():
        shape = classify_shape(
            float(np.median(m.fill[present])),
            float(np.median(m.holes[present])),
            float(np.median(m.taper[present])),
        )
    else:
        shape = "none"
    motion = motion_class(m, spec, shots)
    expected_motion = "still" if spec.action == "speak" else spec.action
    framing = _framings(m, spec, shots)
    cuts = detect_cuts(m.frame_diff)
    expected_cuts = spec.cut_frames()
    cuts_ok = None
    if expected_cuts:
        cuts_ok = len(cuts) == len(expected_cuts) and all(
            abs(a - b) <= 1 for a, b in zip(cuts, expected_cuts, strict=True)
        )
    a = measure_audio(audio, sample_rate, spec.fps, n)
    audio_class = classify_audio(a)
    pitch, pitch_ok = expected_pitch(spec), None
    if pitch is not None:
        pitch_ok = abs(a.dominant_hz - pitch) <= PITCH_TOLERANCE * pitch
    av_offset, av_ok = None, None
    if spec.action == "bounce":
        contacts = visual_contacts(m, spec)
        offsets = []
        for contact in contacts:
            t = contact / spec.fps
            nearest = min(a.onsets_s, key=lambda s: abs(s - t), default=None)
            if nearest is not None and abs(nearest - t) < bounce_period(spec.fps) / spec.fps / 2:
                offsets.append(nearest - t)
        if offsets:
            av_offset = 1000.0 * float(np.median(offsets))
        av_ok = av_offset is not None and abs(av_offset) <= 1000.0 / spec.fps
    lip_sync = lip_sync_closeup = None
    if spec.action == "speak":
        sel = present & np.isfinite(m.mouth)
        lip_sync = _correlation(m.mouth[sel], a.frame_rms[sel]) if sel.sum() > 2 else 0.0
        closeup = np.array([spec.shots[s].framing == "close-up" for s in shots])
        if closeup.sum() > 2:  # a frame without a face counts as a shut mouth
            mouth = np.where(sel, m.mouth, 0.0)[closeup]
            lip_sync_closeup = _correlation(mouth, a.frame_rms[closeup])
    checks = []
    if spec.image_ref:
        checks.append(colour == spec.colour and shape == spec.subject)
    if spec.video_ref is not None:
        px, py = path_xy(spec.video_ref.path, spec.num_frames)
        sel = present
        path = np.concatenate([px[:n][sel], py[:n][sel]]) * spec.size
        seen = np.concatenate([m.centroid[sel, 0], m.centroid[sel, 1]])
        checks.append(sel.sum() > 2 and _correlation(seen, path) >= TRAJECTORY_MIN)
    if spec.audio_ref is not None:
        target = spec.audio_ref.freq_hz
        checks.append(abs(a.dominant_hz - target) <= PITCH_TOLERANCE * target)
    return Scores(
        name=name,
        heldout=is_heldout(spec),
        colour=colour,
        colour_ok=colour == spec.colour,
        shape=shape,
        shape_ok=shape == spec.subject,
        motion=motion,
        motion_ok=None if spec.action == "follow" else motion == expected_motion,
        framing=framing,
        framing_ok=framing == tuple(s.framing for s in spec.shots),
        cut_frames=cuts,
        cuts_ok=cuts_ok,
        audio=audio_class,
        audio_ok=audio_class == spec.audio,
        pitch_hz=round(a.dominant_hz, 1) if pitch is not None else None,
        pitch_ok=pitch_ok,
        av_offset_ms=av_offset,
        av_ok=av_ok,
        lip_sync=lip_sync,
        lip_sync_closeup=lip_sync_closeup,
        reference_ok=all(checks) if checks else None,
        flicker=flicker(frames, spec),
        speckle=speckle(frames),
    )


def evaluate_mp4(data: bytes | str | Path, spec: ClipSpec, name: str = "") -> Scores:
    decoded = decode_mp4(data if isinstance(data, bytes) else str(data))
    return evaluate_arrays(decoded.frames, decoded.audio, decoded.sample_rate, spec, name)


ACCURACIES = (
    "colour_ok",
    "shape_ok",
    "motion_ok",
    "framing_ok",
    "cuts_ok",
    "audio_ok",
    "pitch_ok",
    "av_ok",
    "reference_ok",
)


def summarise(scores: list[Scores]) -> dict[str, float | int | None]:
    """Accuracy of each check over the clips it applies to, plus mean sync and flicker."""
    out: dict[str, float | int | None] = {"clips": len(scores)}
    for key in ACCURACIES:
        values = [getattr(s, key) for s in scores if getattr(s, key) is not None]
        out[key.removesuffix("_ok")] = float(np.mean(values)) if values else None
        out[f"{key.removesuffix('_ok')}_n"] = len(values)
    offsets = [abs(s.av_offset_ms) for s in scores if s.av_offset_ms is not None]
    out["av_abs_offset_ms"] = float(np.mean(offsets)) if offsets else None
    for key in ("lip_sync", "lip_sync_closeup"):
        lips = [getattr(s, key) for s in scores if getattr(s, key) is not None]
        out[key] = float(np.mean(lips)) if lips else None
        out[f"{key}_n"] = len(lips)
    out["flicker"] = float(np.mean([s.flicker for s in scores])) if scores else None
    out["speckle"] = float(np.mean([s.speckle for s in scores])) if scores else None
    return out


def scores_to_dict(scores: Scores) -> dict[str, object]:
    return asdict(scores)


SCORE_FIELDS = tuple(f.name for f in fields(Scores))
