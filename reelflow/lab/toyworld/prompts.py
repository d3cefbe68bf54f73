"""ClipSpec -> prompt script: Subject -> Action -> Camera -> Environment -> Lighting -> Audio.

Each attribute has several wordings (chosen by the spec's seed) so a text encoder, not string
matching, has to carry the meaning. Every wording contains its attribute's KEYWORD, which the tests
check. Multi-shot clips use the script's time markers: the subject and action are global (text
before the first marker), camera, environment, lighting and audio are said per shot.
"""

from __future__ import annotations

import numpy as np

from reelflow.lab.toyworld.spec import ClipSpec, ShotSpec

SUBJECT = (
    "a {colour} {shape}",
    "a {shape} coloured {colour}",
    "one {colour} {shape}",
)
# Everyday nouns people write for the shapes: a ball is a circle, a box a square.
SHAPE_NOUNS = {
    "circle": ("circle", "ball", "disc", "round ball"),
    "square": ("square", "box", "block", "square block"),
    "triangle": ("triangle", "triangle shape", "triangular block"),
}
FACE = ("a {colour} cartoon face", "a simple {colour} face", "a round {colour} face")
IMAGE_SUBJECT = ("the subject from @image1", "the object shown in @image1", "@image1")
ACTION = {
    "left": ("moves left", "slides to the left", "drifts left", "rolls left", "rolling left"),
    "right": ("moves right", "slides to the right", "drifts right", "rolls right", "rolling right"),
    "up": ("moves up", "rises up", "floats up", "goes up", "flies upward"),
    "down": ("moves down", "sinks down", "drifts down", "falls down", "drops down"),
    "bounce": (
        "bounces",
        "bounces on the ground",
        "keeps bouncing",
        "bouncing",
        "jumps up and down",
        "hops along",
    ),
    "still": ("stays still", "holds still", "sits still", "does not move", "stays put"),
    "grow": ("grows", "grows larger", "slowly grows", "gets bigger", "expands"),
    "shrink": ("shrinks", "slowly shrinks", "shrinks smaller", "gets smaller"),
    "speak": (
        'says "{text}"',
        'speaks, saying "{text}"',
        'looks at us and says "{text}"',
        'talks and says "{text}"',
    ),
    "follow": (
        "follows the path in @video1",
        "moves along the trajectory of @video1",
        "traces the motion of @video1",
    ),
}
FRAMING = {
    "close-up": ("close-up", "a close-up view", "seen in close-up"),
    "medium": ("medium shot", "a medium shot", "framed in a medium shot"),
    "wide": ("wide shot", "a wide shot", "seen in a wide shot"),
}
CAMERA = {
    "static": ("static camera", "the camera is static", "a static view"),
    "pan": ("the camera pans right", "pan right", "panning right"),
}
BACKGROUND = {
    "day": ("outdoors on a clear day", "under a blue daytime sky", "outside in daylight"),
    "night": ("at night", "under a starry night sky", "outside at night"),
    "room": ("in a room", "indoors in a small room", "inside a quiet room"),
    "field": ("in a grassy field", "over a green field", "in an open field"),
}
RAIN = ("in the rain", "while it rains", "with rain falling")
LIGHTING = {
    "bright": ("bright light", "brightly lit", "in bright lighting"),
    "dim": ("dim light", "dimly lit", "in dim lighting"),
}
AUDIO = {
    "beep": (
        "a beep at each bounce",
        "it beeps each time it lands",
        "a short beep on every bounce",
        "beeps when it hits the ground",
    ),
    "hum": ("a steady low hum", "a low humming drone", "a constant low hum", "quiet hum"),
    "tone": ("a high tone", "a steady high-pitched tone", "a pure high tone"),
    "rain": ("the sound of rain", "rain noise", "pattering rain sounds"),
    "silence": ("silence", "no sound at all, silent", "in silence"),
    "speech": ("its voice", "a clear speaking voice", "the voice speaks"),
}
AUDIO_REF = ("the tone from @audio1", "the sound of @audio1", "the pitch of @audio1")
KEYWORDS: dict[str, str | tuple[str, ...]] = {
    **{name: name for name in ("red", "green", "blue", "yellow", "white", "purple", "orange")},
    "cyan": "cyan",
    "circle": ("circle", "ball", "disc"),
    "square": ("square", "box", "block"),
    "triangle": "triang",
    "face": "face",
    "left": "left",
    "right": "right",
    "up": "up",
    "down": "down",
    "bounce": ("bounc", "jump", "hop"),
    "still": ("still", "not move", "put"),
    "grow": ("grow", "bigger", "expand"),
    "shrink": ("shrink", "smaller"),
    "speak": "say",
    "follow": "@video1",
    "close-up": "close-up",
    "medium": "medium shot",
    "wide": "wide shot",
    "static": "static",
    "pan": "pan",
    "day": "day",
    "night": "night",
    "room": "room",
    "field": "field",
    "rain": "rain",
    "bright": "bright",
    "dim": "dim",
    "beep": "beep",
    "hum": "hum",
    "tone": "tone",
    "silence": "silen",
    "speech": "voice",
}


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _seconds(t: float) -> str:
    return f"{t:g}"


def subject_text(spec: ClipSpec, rng: np.random.Generator) -> str:
    if spec.image_ref:  # the reference carries colour and shape; the text must not
        return _pick(rng, IMAGE_SUBJECT)
    if spec.subject == "face":
        return _pick(rng, FACE).format(colour=spec.colour)
    shape = _pick(rng, SHAPE_NOUNS[spec.subject])
    return _pick(rng, SUBJECT).format(colour=spec.colour, shape=shape)


def shot_text(spec: ClipSpec, shot: ShotSpec, rng: np.random.Generator, lead: str = "") -> str:
    """Camera, environment, lighting and audio of one shot, after an optional `lead` clause."""
    parts = [_pick(rng, FRAMING[shot.framing]), _pick(rng, CAMERA[shot.camera])]
    if lead:
        parts.insert(0, lead)
    place = _pick(rng, BACKGROUND[shot.background])
    if shot.rain:
        place += " " + _pick(rng, RAIN)
    parts += [place, _pick(rng, LIGHTING[shot.lighting])]
    if spec.audio_ref is not None:
        parts.append(_pick(rng, AUDIO_REF))
    else:
        parts.append(_pick(rng, AUDIO[spec.audio]))
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."


def prompt_text(spec: ClipSpec) -> str:
    rng = np.random.default_rng([spec.seed, 7])
    subject = subject_text(spec, rng)
    action = _pick(rng, ACTION[spec.action]).format(text=spec.dialogue or "")
    if len(spec.shots) == 1:
        # one shot: a single sentence-run in the canonical order, no markers needed
        return f"{subject[0].upper()}{subject[1:]} {action}. {shot_text(spec, spec.shots[0], rng)}"
    # the script gives dialogue to a shot, never to the global text: the first shot speaks
    speaks = spec.action == "speak"
    opening = f"{subject[0].upper()}{subject[1:]} {'talks' if speaks else action}."
    shots = [
        f"[{_seconds(s.start_s)}-{_seconds(s.end_s)}s] "
        + shot_text(spec, s, rng, lead=f"it {action}" if speaks and i == 0 else "")
        for i, s in enumerate(spec.shots)
    ]
    return " ".join([opening, *shots])
