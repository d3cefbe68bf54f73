"""Seeded sampling of ClipSpecs, with attribute combinations held out of training.

Held-out combinations (never sampled for split="train", the only thing sampled for "heldout"):
- a purple triangle (any action): colour x shape composition;
- a cyan square that bounces: appearance x motion composition;
- an orange circle that grows: appearance x size-change composition;
- a face speaking in a field: subject/action x environment composition.
Each attribute on its own is common in training; only the combination is new.

The prompt's wording is a second, independent split (wording/prompts.py): `heldout_phrasing` gives
held-out combinations said in held-out phrasings. A spec's wording comes from its seed, never from
the generator here, so the draw of a spec does not depend on how it will be worded.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from reelflow.lab.toyworld.spec import (
    BACKGROUNDS,
    COLOURS,
    FRAMINGS,
    MOVES,
    PATHS,
    SHAPES,
    AudioRef,
    ClipSpec,
    ShotSpec,
    VideoRef,
)
from reelflow.lab.toyworld.wording.prompts import prompt_text

SPLITS = ("train", "heldout")
HELDOUT = (
    {"subject": "triangle", "colour": "purple"},
    {"subject": "square", "colour": "cyan", "action": "bounce"},
    {"subject": "circle", "colour": "orange", "action": "grow"},
    {"subject": "face", "action": "speak", "background": "field"},
)
WORDS = (
    "hello", "there", "good", "morning", "look", "at", "me", "welcome", "home", "see", "you",
    "later", "what", "a", "lovely", "day", "nice", "to", "meet", "yes", "no", "maybe", "come",
    "here", "listen", "carefully", "everybody", "thank",
)  # fmt: skip
REFERENCE_TONES = (330.0, 440.0, 550.0, 660.0, 990.0, 1320.0)
STEADY_AUDIO = ("hum", "tone", "rain", "silence")


def _matches(spec: ClipSpec, rule: dict[str, str]) -> bool:
    for key, value in rule.items():
        if key == "background":
            if not any(shot.background == value for shot in spec.shots):
                return False
        elif getattr(spec, key) != value:
            return False
    return True


def is_heldout(spec: ClipSpec) -> bool:
    return any(_matches(spec, rule) for rule in HELDOUT)


def _choice(rng: np.random.Generator, options) -> str:
    options = tuple(options)
    return options[int(rng.integers(len(options)))]


def _shots(rng: np.random.Generator, duration: int, max_shots: int, force: dict) -> list[ShotSpec]:
    count = int(rng.integers(1, min(max_shots, duration) + 1))
    cuts = sorted(rng.choice(np.arange(1, duration), size=count - 1, replace=False).tolist())
    bounds = [0, *cuts, duration]
    shots: list[ShotSpec] = []
    for start, end in itertools.pairwise(bounds):
        while True:
            framing, background = _choice(rng, FRAMINGS), _choice(rng, BACKGROUNDS)
            if not shots or (framing, background) != (shots[-1].framing, shots[-1].background):
                break
        shots.append(
            ShotSpec(
                start_s=float(start),
                end_s=float(end),
                framing=framing,
                background=background,
                lighting="dim" if rng.random() < 0.3 else "bright",
                rain=bool(rng.random() < 0.2),
                camera="pan" if rng.random() < 0.3 else "static",
            )
        )
    if "background" in force:  # the held-out environment appears in one shot
        k = int(rng.integers(len(shots)))
        shots[k] = ShotSpec(**{**shots[k].__dict__, "background": force["background"]})
        for i in range(1, len(shots)):  # keep every cut visible after forcing
            a, b = shots[i - 1], shots[i]
            if (a.framing, a.background) == (b.framing, b.background):
                other = _choice(rng, [f for f in FRAMINGS if f != a.framing])
                shots[i] = ShotSpec(**{**b.__dict__, "framing": other})
    return shots


def _draw(rng: np.random.Generator, seed: int, max_shots: int, durations, fps: int, force: dict):
    subject = force.get("subject") or _choice(rng, (*SHAPES, "face"))
    colour = force.get("colour") or _choice(rng, COLOURS)
    video_ref = None
    if "action" in force:
        action = force["action"]
    elif subject == "face" and rng.random() < 0.4:
        action = "speak"
    elif rng.random() < 0.1:
        action, video_ref = "follow", VideoRef(_choice(rng, PATHS))
    else:
        action = _choice(rng, MOVES)
    duration = int(rng.integers(durations[0], durations[1] + 1))
    shots = _shots(rng, duration, max_shots, force)
    dialogue, audio_ref = None, None
    if action == "bounce":
        audio = "beep"
    elif action == "speak":
        audio = "speech"
        dialogue = " ".join(_choice(rng, WORDS) for _ in range(int(rng.integers(2, 5))))
    else:
        audio = _choice(rng, STEADY_AUDIO)
        if audio == "tone" and rng.random() < 0.4:
            audio_ref = AudioRef(float(_choice(rng, REFERENCE_TONES)))
        if audio == "rain":  # the sound of rain comes with rain in every shot
            shots = [ShotSpec(**{**s.__dict__, "rain": True}) for s in shots]
    return ClipSpec(
        subject=subject,
        colour=colour,
        action=action,
        audio=audio,
        shots=tuple(shots),
        seed=seed,
        dialogue=dialogue,
        fps=fps,
        image_ref=bool(rng.random() < 0.15),
        video_ref=video_ref,
        audio_ref=audio_ref,
    )


def sample_spec(
    rng: np.random.Generator,
    *,
    split: str = "train",
    max_shots: int = 3,
    duration_s: tuple[int, int] = (2, 4),
    fps: int = 16,
) -> ClipSpec:
    """One random clip spec. Durations are whole seconds so every cut lands on a frame."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not 1 <= duration_s[0] <= duration_s[1] <= 15:
        raise ValueError(f"duration range must lie in 1..15 s, got {duration_s}")
    if max_shots < 1:
        raise ValueError("max_shots must be >= 1")
    seed = int(rng.integers(2**31))
    for _ in range(1000):
        force = dict(HELDOUT[int(rng.integers(len(HELDOUT)))]) if split == "heldout" else {}
        spec = _draw(rng, seed, max_shots, duration_s, fps, force)
        if is_heldout(spec) == (split == "heldout"):
            return spec
    raise RuntimeError("could not sample a spec for the split")  # unreachable in practice


def heldout_phrasing(count: int, seed: int, fps: int = 16) -> list[tuple[str, ClipSpec]]:
    """`count` (prompt, spec) pairs: held-out attribute combinations in held-out phrasings, the
    same for the same seed."""
    rng = np.random.default_rng(seed)
    specs = [sample_spec(rng, split="heldout", fps=fps) for _ in range(count)]
    return [(prompt_text(spec, "heldout"), spec) for spec in specs]


HANDWRITTEN = Path(__file__).with_name("handwritten.json")


def handwritten(fps: int = 16) -> list[tuple[str, ClipSpec]]:
    """The hand-written prompt set (handwritten.json): prompts as people write them, in no
    template's order, each with the ClipSpec of what it asks for, for evaluation only."""
    clips = []
    for index, entry in enumerate(json.loads(HANDWRITTEN.read_text())):
        raw = entry.get("shots") or [{**entry, "end": entry["seconds"]}]
        starts = [0.0] + [float(shot["end"]) for shot in raw[:-1]]
        shots = tuple(
            ShotSpec(
                start,
                float(shot["end"]),
                framing=shot.get("framing", "medium"),
                background=shot.get("background", "day"),
                lighting=shot.get("lighting", "bright"),
                rain=bool(shot.get("rain", False)),
            )
            for start, shot in zip(starts, raw, strict=True)
        )
        spec = ClipSpec(
            subject=entry["subject"],
            colour=entry["colour"],
            action=entry["action"],
            audio=entry["audio"],
            shots=shots,
            seed=index,
            dialogue=entry.get("dialogue"),
            fps=fps,
        )
        clips.append((entry["prompt"], spec))
    return clips
