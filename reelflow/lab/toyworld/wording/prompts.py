"""ClipSpec -> prompt script, in one of three phrasings (the grammar's words are in grammar.py).

- `template`: the world's original writer, Subject -> Action -> Camera -> Environment ->
  Lighting -> Audio, byte for byte as before (what `reelflow world render`, the benchmarks and
  the shipped checkpoint's tests read). A model keyed on these phrases follows them and not a
  person's wording, which is why the grammar exists.
- `train`: sentence structures with clause orders (subject, setting or framing first, framing
  mid-sentence), finite and "-ing" verbs, prepositional phrases of place and motion, optional
  articles, adjectives and filler, and several ways to say framing, setting, lighting and sound;
  the template is one of its structures. Training examples use this phrasing only.
- `heldout`: structures and synonyms training never sees (grammar.py lists them), for evaluation.

The choices come from the spec's seed, never from the sampling generator, so a spec drawn from a
cache key is the same under any phrasing. Multi-shot prompts use the script's time markers: the
subject and action are global (text before the first marker), each shot says its framing, camera,
setting and lighting, and the sound is said per shot or once in the global text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reelflow.lab.toyworld.spec import ClipSpec, ShotSpec
from reelflow.lab.toyworld.wording import grammar as g

ADJECTIVE_CHANCE = 0.3
FILLER_CHANCE = 0.25  # one-shot prompts only: a shot's text is cut at 64 tokens
HELDOUT_WORD_CHANCE = 0.5  # a held-out prompt's slots that take a held-out synonym
LIGHT_IN_PLACE_CHANCE = 0.5  # a room or field carries the lighting as an adjective
MOTION_PREPOSITION_CHANCE = 0.5  # "across a room" where the subject moves


@dataclass(frozen=True)
class Prompt:
    text: str
    choices: tuple[str, ...]  # every structure and wording drawn, in order


def prompt_text(spec: ClipSpec, phrasing: str = "template") -> str:
    return write(spec, phrasing).text


def write(spec: ClipSpec, phrasing: str = "template") -> Prompt:
    if phrasing not in g.PHRASINGS:
        raise ValueError(f"phrasing must be one of {g.PHRASINGS}, got {phrasing!r}")
    if phrasing == "template":
        return Prompt(template_text(spec), ("template",))
    writer = _Writer(spec, phrasing)
    text = writer.single() if len(spec.shots) == 1 else writer.multi()
    return Prompt(text, tuple(writer.choices))


# The world's original writer, kept exactly: its rng stream and draw order are part of it.


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _finite(entry: str) -> str:
    return entry.split("|")[0]


def _template_shot(spec: ClipSpec, shot: ShotSpec, rng: np.random.Generator, lead: str) -> str:
    parts = [
        _pick(rng, g.FRAMING[shot.framing].template),
        _pick(rng, g.CAMERA[shot.camera].template),
    ]
    if lead:
        parts.insert(0, lead)
    place = _pick(rng, g.PLACE[shot.background].template)
    if shot.rain:
        place += " " + _pick(rng, g.RAIN.template)
    parts += [place, _pick(rng, g.LIGHTING[shot.lighting].template)]
    if spec.audio_ref is not None:
        parts.append(_pick(rng, g.AUDIO_REF.template))
    else:
        parts.append(_pick(rng, g.AUDIO[spec.audio].template))
    return _sentence(*parts)


def template_text(spec: ClipSpec) -> str:
    rng = np.random.default_rng([spec.seed, 7])
    if spec.image_ref:  # the reference carries colour and shape; the text must not
        subject = _pick(rng, g.IMAGE_SUBJECT.template)
    elif spec.subject == "face":
        subject = _pick(rng, g.FACE.template).format(colour=spec.colour)
    else:
        noun = _pick(rng, g.NOUN[spec.subject].template)
        subject = _pick(rng, g.SUBJECT.template).format(colour=spec.colour, noun=noun)
    action = _finite(_pick(rng, g.ACTION[spec.action].template)).format(text=spec.dialogue or "")
    if len(spec.shots) == 1:
        return f"{_capital(subject)} {action}. {_template_shot(spec, spec.shots[0], rng, '')}"
    speaks = spec.action == "speak"
    opening = f"{_capital(subject)} {'talks' if speaks else action}."
    shots = [
        _marker(s) + _template_shot(spec, s, rng, f"it {action}" if speaks and i == 0 else "")
        for i, s in enumerate(spec.shots)
    ]
    return " ".join([opening, *shots])


# The grammar.


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def _sentence(*parts: str) -> str:
    """The non-empty parts as one comma-separated sentence."""
    text = ", ".join(part for part in parts if part)
    return _capital(text) + "." if text else ""


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _marker(shot: ShotSpec) -> str:
    return f"[{shot.start_s:g}-{shot.end_s:g}s] "


def _a_an(phrase: str) -> str:
    """Collapse the blanks an empty article or adjective leaves; "a" before a vowel is "an"."""
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", " ".join(phrase.split()))


@dataclass(frozen=True)
class _Action:
    finite: str  # "rolls left"
    participle: str  # "rolling left"


@dataclass(frozen=True)
class _Shot:
    framing: str  # a list item: "wide shot", "seen in close-up"
    framing_noun: str  # "a wide shot"
    framing_adverb: str  # "seen from afar"
    camera: str
    place: str  # a prepositional phrase, rain included
    lighting: str  # "" when the place says it ("across a dark room")
    audio: str  # a list item: "a low hum"; "" when the global text says the sound
    sound: str  # the same as a sentence of its own: "Sound: a low hum."


class _Writer:
    def __init__(self, spec: ClipSpec, phrasing: str):
        self.spec, self.phrasing = spec, phrasing
        self.rng = np.random.default_rng([spec.seed, 7, 1])  # not the template's stream
        self.choices: list[str] = []

    def pick(self, words: g.Words, structure: bool = False) -> str:
        phrasing = self.phrasing
        if phrasing == "heldout" and not structure and not self.chance(HELDOUT_WORD_CHANCE):
            phrasing = "train"
        choice = _pick(self.rng, words.pool(phrasing))
        self.choices.append(choice)
        return choice

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def subject(self) -> str:
        spec = self.spec
        if spec.image_ref:  # the reference carries colour and shape; the text must not
            return self.pick(g.IMAGE_SUBJECT)
        pattern = self.pick(g.FACE if spec.subject == "face" else g.SUBJECT)
        noun, article = self.pick(g.NOUN[spec.subject]), self.pick(g.ARTICLE)
        adjective = self.pick(g.ADJECTIVE) if self.chance(ADJECTIVE_CHANCE) else ""
        return _a_an(pattern.format(art=article, adj=adjective, colour=spec.colour, noun=noun))

    def action(self, words: g.Words) -> _Action:
        finite, participle = self.pick(words).format(text=self.spec.dialogue or "").split("|")
        return _Action(finite, participle)

    def audio(self) -> tuple[str, str]:
        """The sound as a list item and as a sentence of its own."""
        spec = self.spec
        audio = self.pick(g.AUDIO_REF if spec.audio_ref is not None else g.AUDIO[spec.audio])
        return audio, _capital(self.pick(g.SOUND).format(sound=audio))

    def place(self, shot: ShotSpec) -> tuple[str, str]:
        lighting = self.pick(g.LIGHTING[shot.lighting])
        if shot.background in g.PLACE_NOUN and self.chance(LIGHT_IN_PLACE_CHANCE):
            moving = self.spec.action in g.MOVING and self.chance(MOTION_PREPOSITION_CHANCE)
            preposition = self.pick(
                g.PREPOSITION_OF_MOTION if moving else g.PREPOSITION[shot.background]
            )
            adjective = self.pick(g.LIGHT_ADJECTIVE[shot.lighting])
            noun = self.pick(g.PLACE_NOUN[shot.background])
            place, lighting = _a_an(f"{preposition} a {adjective} {noun}"), ""
        else:
            place = self.pick(g.PLACE[shot.background])
        if shot.rain:
            place += " " + self.pick(g.RAIN)
        return place, lighting

    def shot(self, shot: ShotSpec, sound: bool = True) -> _Shot:
        framing = self.pick(g.FRAMING[shot.framing])
        noun, adverb = (
            self.pick(g.FRAMING_NOUN[shot.framing]),
            self.pick(g.FRAMING_ADVERB[shot.framing]),
        )
        camera = self.pick(g.CAMERA[shot.camera])
        place, lighting = self.place(shot)
        audio, sentence = self.audio() if sound else ("", "")
        return _Shot(framing, noun, adverb, camera, place, lighting, audio, sentence)

    def filler(self, text: str) -> str:
        """A one-shot prompt, sometimes with a sentence that says nothing about the clip."""
        if not self.chance(FILLER_CHANCE):
            return text
        filler = self.pick(g.FILLER)
        return _join(filler, text) if self.chance(0.5) else _join(text, filler)

    def single(self) -> str:
        structure = self.pick(g.SINGLE, structure=True)
        if structure == "template":
            return template_text(self.spec)
        subject, action = self.subject(), self.action(g.ACTION[self.spec.action])
        return self.filler(SINGLE[structure](subject, action, self.shot(self.spec.shots[0])))

    def multi(self) -> str:
        structure = self.pick(g.OPENING, structure=True)
        if structure == "template":
            return template_text(self.spec)
        spec = self.spec
        speaks = spec.action == "speak"
        subject = self.subject()
        action = self.action(g.TALK if speaks else g.ACTION[spec.action])
        sound_once = structure in OPENING_WITH_SOUND
        opening = OPENING[structure](subject, action, self.audio()[1] if sound_once else "")
        shots = []
        for index, shot in enumerate(spec.shots):
            clause = SHOT[self.pick(g.SHOT, structure=True)](self.shot(shot, sound=not sound_once))
            if speaks and index == 0:  # the script gives dialogue to a shot: the first says it
                line = self.action(g.ACTION["speak"]).finite
                clause = _join(_sentence(f"{self.pick(g.SPEAKER)} {line}"), clause)
            shots.append(_marker(shot) + clause)
        return _join(opening, *shots)  # no filler: each shot's text must fit the encoder


# The sentence structures grammar.py names, by name.
SINGLE: dict[str, Callable[[str, _Action, _Shot], str]] = {
    "list": lambda subject, a, s: _join(
        _sentence(f"{subject} {a.finite}"),
        _sentence(s.framing, s.camera, s.place, s.lighting, s.audio),
    ),
    "participle": lambda subject, a, s: _join(
        _sentence(f"{subject} {a.participle} {s.place}"),
        _sentence(s.framing, s.lighting, s.camera),
        s.sound,
    ),
    "setting-first": lambda subject, a, s: _join(
        _sentence(f"{s.place}, {subject} {a.finite}"),
        _sentence(s.framing, s.camera, s.lighting),
        s.sound,
    ),
    "framing-of": lambda subject, a, s: _join(
        _sentence(f"{s.framing_noun} of {subject} {a.participle} {s.place}", s.lighting, s.camera),
        s.sound,
    ),
    "framing-mid": lambda subject, a, s: _join(
        _sentence(f"{subject}, {s.framing_adverb}, {a.finite} {s.place}"),
        _sentence(s.lighting, s.camera),
        s.sound,
    ),
    "we-see": lambda subject, a, s: _join(
        _sentence(f"we see {subject} {a.participle} {s.place}"),
        _sentence(s.framing, s.camera, s.lighting),
        s.sound,
    ),
    # held out
    "there-is": lambda subject, a, s: _join(
        _sentence(
            f"there is {subject} {a.participle} {s.place}", s.framing_adverb, s.lighting, s.camera
        ),
        s.sound,
    ),
    "sound-first": lambda subject, a, s: _join(
        s.sound,
        _sentence(f"{s.framing_noun} of {subject} that {a.finite} {s.place}", s.lighting, s.camera),
    ),
    "framing-setting": lambda subject, a, s: _join(
        _sentence(f"{s.framing}, {s.place}: {subject} {a.finite}"),
        _sentence(s.lighting, s.camera),
        s.sound,
    ),
}
OPENING_WITH_SOUND = ("with-sound", "sound-all-along")
OPENING: dict[str, Callable[[str, _Action, str], str]] = {
    "plain": lambda subject, a, sound: _sentence(f"{subject} {a.finite}"),
    "throughout": lambda subject, a, sound: _sentence(f"{subject} {a.participle} throughout"),
    "throughout-first": lambda subject, a, sound: _sentence(
        f"throughout the clip, {subject} {a.finite}"
    ),
    "with-sound": lambda subject, a, sound: _join(_sentence(f"{subject} {a.finite}"), sound),
    # held out
    "start-to-finish": lambda subject, a, sound: _sentence(
        f"from start to finish, {subject} {a.finite}"
    ),
    "whole-clip": lambda subject, a, sound: _sentence(
        f"the whole clip shows {subject} {a.participle}"
    ),
    "sound-all-along": lambda subject, a, sound: _join(
        sound, _sentence(f"all along, {subject} {a.finite}")
    ),
}
SHOT: dict[str, Callable[[_Shot], str]] = {
    "list": lambda s: _sentence(s.framing, s.camera, s.place, s.lighting, s.audio),
    "setting-first": lambda s: _join(
        _sentence(s.place, s.framing), _sentence(s.lighting, s.camera), s.sound
    ),
    "framing-place": lambda s: _join(
        _sentence(f"{s.framing_noun} {s.place}"), _sentence(s.camera, s.lighting), s.sound
    ),
    # held out
    "sound-first": lambda s: _join(
        s.sound, _sentence(f"{s.framing_noun} {s.place}", s.lighting, s.camera)
    ),
    "framing-adverb": lambda s: _join(
        _sentence(f"{s.framing_adverb}, {s.place}", s.camera), _sentence(s.lighting), s.sound
    ),
}
