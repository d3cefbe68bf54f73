"""The prompt grammar's words, each in one of three tiers, and the phrasing splits drawn from them.

- `template`: the world's original phrases, which the shipped checkpoint was trained on. They are
  part of the train phrasing, so a latent cache built with the templates only is still a cache of
  train-split prompts.
- `train`: new wordings that training sees.
- `heldout`: wordings training never sees, for `phrasing="heldout"` prompts only. The rule is
  membership in this column, fixed in code (no seeded draw decides it), and a held-out wording is
  never a template phrase: the shipped checkpoint, which a run starts from, has seen every one.
  A held-out prompt always takes a held-out sentence structure, and a held-out synonym for about
  half of its other slots (prompts.py), so the set mixes new words with known ones as people do.

A verb phrase is written "finite|participle" ("moves left|moving left"), because the sentence
structures need both ("A ball moves left." and "A close-up of a ball moving left."). `{colour}`,
`{noun}`, `{text}` are filled in by the writer (prompts.py). Which sentence structures belong to
which tier is listed here too, by name; prompts.py holds their code.
"""

from __future__ import annotations

from dataclasses import dataclass

PHRASINGS = ("template", "train", "heldout")


@dataclass(frozen=True)
class Words:
    template: tuple[str, ...] = ()
    train: tuple[str, ...] = ()
    heldout: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.template + self.train:
            raise ValueError("a slot needs a wording that training sees")
        if set(self.heldout) & set(self.template + self.train):
            raise ValueError(f"held-out wordings also trained on: {self.heldout}")

    def pool(self, phrasing: str) -> tuple[str, ...]:
        """The wordings a prompt of `phrasing` draws from; a slot without held-out synonyms
        (colour names, which the evaluator checks by name) keeps its trained ones."""
        if phrasing == "template":
            return self.template or self.train
        if phrasing == "train":
            return self.template + self.train
        if phrasing == "heldout":
            return self.heldout or self.template + self.train
        raise ValueError(f"phrasing must be one of {PHRASINGS}, got {phrasing!r}")


# Sentence structures, by name (prompts.STRUCTURES has their code). "template" is the world's
# original writer, whole: one train structure among the others.
SINGLE = Words(
    template=("template",),
    train=("list", "participle", "setting-first", "framing-of", "framing-mid", "we-see"),
    heldout=("there-is", "sound-first", "framing-setting"),
)
OPENING = Words(  # the global sentence of a multi-shot prompt
    template=("template",),
    train=("plain", "throughout", "throughout-first", "with-sound"),
    heldout=("start-to-finish", "whole-clip", "sound-all-along"),
)
SHOT = Words(  # the clause after each time marker
    train=("list", "setting-first", "framing-place"),
    heldout=("sound-first", "framing-adverb"),
)

ARTICLE = Words(train=("a", "a", "one", "the", ""), heldout=("a single",))
ADJECTIVE = Words(train=("small", "little", "plain", "simple"), heldout=("lone", "solitary"))
SUBJECT = Words(
    template=("a {colour} {noun}", "a {noun} coloured {colour}", "one {colour} {noun}"),
    train=(
        "{art} {adj} {colour} {noun}", "{art} {noun} coloured {colour}",
        "{art} {colour}-coloured {noun}",
    ),
    heldout=("{art} {noun} in {colour}", "{art} {noun} painted {colour}"),
)  # fmt: skip
# Everyday nouns people write for the shapes: a ball is a circle, a box a square.
NOUN = {
    "circle": Words(
        template=("circle", "ball", "disc", "round ball"),
        train=("dot", "round disc", "circle shape"),
        heldout=("orb", "sphere"),
    ),
    "square": Words(
        template=("square", "box", "block", "square block"),
        train=("square shape", "square tile"),
        heldout=("cube", "crate"),
    ),
    "triangle": Words(
        template=("triangle", "triangle shape", "triangular block"),
        train=("triangular shape", "triangle block"),
        heldout=("pyramid", "wedge"),
    ),
    "face": Words(
        template=("cartoon face", "simple face", "round face"),
        train=("face", "smiley face", "cartoon head"),
        heldout=("emoji face", "drawn face"),
    ),
}
FACE = Words(  # the world's face wordings put the colour first, whatever the noun
    template=("a {colour} cartoon face", "a simple {colour} face", "a round {colour} face"),
    train=("{art} {adj} {colour} {noun}", "{art} {colour}-coloured {noun}"),
    heldout=("{art} {noun} in {colour}", "{art} {noun} painted {colour}"),
)
IMAGE_SUBJECT = Words(
    template=("the subject from @image1", "the object shown in @image1", "@image1"),
    train=("the thing in @image1", "the object from @image1"),
    heldout=("the shape pictured in @image1", "the item @image1 shows"),
)
ACTION = {
    "left": Words(
        template=(
            "moves left|moving left", "slides to the left|sliding to the left",
            "drifts left|drifting left", "rolls left|rolling left", "rolling left|rolling left",
        ),
        train=(
            "travels to the left|travelling to the left", "heads left|heading left",
            "moves toward the left edge|moving toward the left edge", "goes left|going left",
        ),
        heldout=(
            "glides leftward|gliding leftward",
            "makes its way to the left|making its way to the left",
        ),
    ),
    "right": Words(
        template=(
            "moves right|moving right", "slides to the right|sliding to the right",
            "drifts right|drifting right", "rolls right|rolling right",
            "rolling right|rolling right",
        ),
        train=(
            "travels to the right|travelling to the right", "heads right|heading right",
            "moves toward the right edge|moving toward the right edge", "goes right|going right",
        ),
        heldout=(
            "glides rightward|gliding rightward",
            "makes its way to the right|making its way to the right",
        ),
    ),
    "up": Words(
        template=(
            "moves up|moving up", "rises up|rising up", "floats up|floating up",
            "goes up|going up", "flies upward|flying upward",
        ),
        train=(
            "rises toward the top|rising toward the top", "climbs upward|climbing upward",
            "moves up the frame|moving up the frame", "lifts up|lifting up",
        ),
        heldout=("ascends|ascending", "drifts skyward|drifting skyward"),
    ),
    "down": Words(
        template=(
            "moves down|moving down", "sinks down|sinking down", "drifts down|drifting down",
            "falls down|falling down", "drops down|dropping down",
        ),
        train=(
            "sinks toward the bottom|sinking toward the bottom",
            "moves down the frame|moving down the frame", "goes downward|going downward",
            "slides down|sliding down",
        ),
        heldout=("descends|descending", "settles toward the floor|settling toward the floor"),
    ),
    "bounce": Words(
        template=(
            "bounces|bouncing", "bounces on the ground|bouncing on the ground",
            "keeps bouncing|bouncing", "bouncing|bouncing",
            "jumps up and down|jumping up and down", "hops along|hopping along",
        ),
        train=(
            "bounces up and down|bouncing up and down", "hops up and down|hopping up and down",
            "bounces off the floor|bouncing off the floor",
        ),
        heldout=(
            "springs up and down|springing up and down",
            "rebounds off the ground|rebounding off the ground",
        ),
    ),
    "still": Words(
        template=(
            "stays still|staying still", "holds still|holding still", "sits still|sitting still",
            "does not move|not moving", "stays put|staying put",
        ),
        train=(
            "rests in place|resting in place", "stays where it is|staying where it is",
            "sits there|sitting there",
        ),
        heldout=("remains motionless|remaining motionless", "stands frozen|standing frozen"),
    ),
    "grow": Words(
        template=(
            "grows|growing", "grows larger|growing larger", "slowly grows|slowly growing",
            "gets bigger|getting bigger", "expands|expanding",
        ),
        train=(
            "grows bigger|growing bigger", "swells up|swelling up", "gets larger|getting larger",
        ),
        heldout=("increases in size|increasing in size", "inflates|inflating"),
    ),
    "shrink": Words(
        template=(
            "shrinks|shrinking", "slowly shrinks|slowly shrinking",
            "shrinks smaller|shrinking smaller", "gets smaller|getting smaller",
        ),
        train=(
            "shrinks down|shrinking down", "becomes smaller|becoming smaller",
            "gets tiny|getting tiny",
        ),
        heldout=("dwindles|dwindling", "decreases in size|decreasing in size"),
    ),
    "speak": Words(
        template=(
            'says "{text}"|saying "{text}"', 'speaks, saying "{text}"|speaking, saying "{text}"',
            'looks at us and says "{text}"|looking at us and saying "{text}"',
            'talks and says "{text}"|talking and saying "{text}"',
        ),
        train=(
            'says out loud "{text}"|saying out loud "{text}"',
            'speaks the words "{text}"|speaking the words "{text}"',
        ),
        heldout=('announces "{text}"|announcing "{text}"', 'exclaims "{text}"|exclaiming "{text}"'),
    ),
    "follow": Words(
        template=(
            "follows the path in @video1|following the path in @video1",
            "moves along the trajectory of @video1|moving along the trajectory of @video1",
            "traces the motion of @video1|tracing the motion of @video1",
        ),
        train=(
            "copies the path of @video1|copying the path of @video1",
            "moves like the dot in @video1|moving like the dot in @video1",
        ),
        heldout=(
            "retraces the route in @video1|retracing the route in @video1",
            "mimics the movement in @video1|mimicking the movement in @video1",
        ),
    ),
}  # fmt: skip
# A multi-shot speaker talks in the global text and says its line in the first shot, since the
# script gives dialogue to a shot, never to the text before the first marker.
TALK = Words(template=("talks|talking",), train=("speaks|speaking",), heldout=("chats|chatting",))
FRAMING_NOUN = {  # before "of" or a place: "a close-up of ...", "a wide shot in a field"
    "close-up": Words(
        train=("a close-up", "close-up", "a close-up shot", "a tight close-up"),
        heldout=("an extreme close-up", "a tightly framed shot"),
    ),
    "medium": Words(
        train=("a medium shot", "medium shot", "a mid shot"),
        heldout=("a mid-range shot", "a medium-distance view"),
    ),
    "wide": Words(
        train=("a wide shot", "wide shot", "a long shot", "a wide view"),
        heldout=("an establishing shot", "a distant view"),
    ),
}  # fmt: skip
FRAMING_ADVERB = {  # mid-sentence: "A ball, in close-up, rolls left."
    "close-up": Words(
        train=("in close-up", "seen in close-up", "shot close up"),
        heldout=("filling the frame", "seen up close"),
    ),
    "medium": Words(
        train=("in a medium shot", "framed in a medium shot", "in a mid shot"),
        heldout=("at a middle distance", "framed at mid range"),
    ),
    "wide": Words(
        train=("in a wide shot", "seen in a wide shot", "seen from afar"),
        heldout=("seen from a distance", "from far off"),
    ),
}  # fmt: skip
# A list item: the world's own framings, or any of the above.
_FRAMING_TEMPLATE = {
    "close-up": ("close-up", "a close-up view", "seen in close-up"),
    "medium": ("medium shot", "a medium shot", "framed in a medium shot"),
    "wide": ("wide shot", "a wide shot", "seen in a wide shot"),
}
FRAMING = {
    name: Words(
        template=template,
        train=tuple(
            w for w in FRAMING_NOUN[name].train + FRAMING_ADVERB[name].train if w not in template
        ),
        heldout=FRAMING_NOUN[name].heldout + FRAMING_ADVERB[name].heldout,
    )
    for name, template in _FRAMING_TEMPLATE.items()
}
CAMERA = {
    "static": Words(
        template=("static camera", "the camera is static", "a static view"),
        train=("fixed camera", "locked-off camera", "camera on a tripod"),
        heldout=("a tripod shot", "a motionless camera"),
    ),
    "pan": Words(
        template=("the camera pans right", "pan right", "panning right"),
        train=("the camera pans to the right", "camera panning right", "a pan to the right"),
        heldout=("the camera sweeps to the right", "a slow rightward pan"),
    ),
}
# Places are prepositional phrases. A room or a field may carry the lighting as an adjective
# ("across a dark room"); a prepositional phrase of motion needs a move to go with it.
PLACE = {
    "day": Words(
        template=("outdoors on a clear day", "under a blue daytime sky", "outside in daylight"),
        train=("on a clear day", "in the daytime", "outside during the day"),
        heldout=("outside in the afternoon", "beneath a cloudless sky"),
    ),
    "night": Words(
        template=("at night", "under a starry night sky", "outside at night"),
        train=("at nighttime", "under the night sky", "outdoors at night"),
        heldout=("after sunset", "under a moonlit sky"),
    ),
    "room": Words(
        template=("in a room", "indoors in a small room", "inside a quiet room"),
        train=("indoors", "inside a room"),
        heldout=("inside a living room",),
    ),
    "field": Words(
        template=("in a grassy field", "over a green field", "in an open field"),
        train=("on a field of grass", "out in a field"),
        heldout=("on a lawn",),
    ),
}
PLACE_NOUN = {
    "room": Words(
        train=("room", "small room", "empty room", "bare room"),
        heldout=("living room", "hallway"),
    ),
    "field": Words(
        train=("field", "grassy field", "open field", "field of grass"),
        heldout=("meadow", "lawn"),
    ),
}  # fmt: skip
PREPOSITION = {
    "room": Words(train=("in", "inside"), heldout=("within",)),
    "field": Words(train=("in", "on"), heldout=("upon",)),
}
PREPOSITION_OF_MOTION = Words(train=("across", "through"), heldout=("around",))
MOVING = ("left", "right", "bounce", "follow")  # the actions a prepositional phrase of motion fits
LIGHT_ADJECTIVE = {
    "bright": Words(
        train=("bright", "brightly lit", "well-lit"),
        heldout=("sunlit", "brilliantly lit"),
    ),
    "dim": Words(train=("dark", "dim", "dimly lit"), heldout=("shadowy", "gloomy")),
}  # fmt: skip
RAIN = Words(
    template=("in the rain", "while it rains", "with rain falling"),
    train=("as rain falls", "during a rain shower", "in falling rain"),
    heldout=("in a downpour", "under a steady drizzle"),
)
LIGHTING = {
    "bright": Words(
        template=("bright light", "brightly lit", "in bright lighting"),
        train=("well lit", "in strong light", "lit brightly"),
        heldout=("flooded with light", "in vivid light"),
    ),
    "dim": Words(
        template=("dim light", "dimly lit", "in dim lighting"),
        train=("low light", "in low light", "lit dimly"),
        heldout=("poorly lit", "in gloomy light"),
    ),
}
AUDIO = {
    "beep": Words(
        template=(
            "a beep at each bounce", "it beeps each time it lands", "a short beep on every bounce",
            "beeps when it hits the ground",
        ),
        train=(
            "a beep whenever it lands", "beeping on each bounce", "a sharp beep at every landing",
        ),
        heldout=("a blip each time it touches down", "a ping on every landing"),
    ),
    "hum": Words(
        template=("a steady low hum", "a low humming drone", "a constant low hum", "quiet hum"),
        train=("a soft hum", "a low steady hum", "humming in the background"),
        heldout=("a faint electrical buzz", "a deep droning noise"),
    ),
    "tone": Words(
        template=("a high tone", "a steady high-pitched tone", "a pure high tone"),
        train=("a high note", "a high sine tone", "a steady high note"),
        heldout=("a thin high whistle", "a sustained high pitch"),
    ),
    "rain": Words(
        template=("the sound of rain", "rain noise", "pattering rain sounds"),
        train=("rain sounds", "the patter of rain", "the noise of falling rain"),
        heldout=("raindrops drumming", "the hiss of a downpour"),
    ),
    "silence": Words(
        template=("silence", "no sound at all, silent", "in silence"),
        train=("no sound", "complete silence", "silent", "without any sound"),
        heldout=("muted audio", "soundless"),
    ),
    "speech": Words(
        template=("its voice", "a clear speaking voice", "the voice speaks"),
        train=("its voice speaking", "a talking voice", "spoken words"),
        heldout=("dialogue audio", "the words spoken aloud"),
    ),
}  # fmt: skip
AUDIO_REF = Words(
    template=("the tone from @audio1", "the sound of @audio1", "the pitch of @audio1"),
    train=("the sound in @audio1", "a tone like @audio1"),
    heldout=("the note heard in @audio1", "a pitch matching @audio1"),
)
SOUND = Words(  # how a sentence of its own introduces the sound
    train=("{sound}.", "Sound: {sound}.", "Audio: {sound}."),
    heldout=("Soundtrack: {sound}.", "On the soundtrack, {sound}."),
)
SPEAKER = Words(train=("It", "Here it"), heldout=("The face",))  # who says the first shot's line
FILLER = Words(
    train=(
        "A short animated clip.", "Simple flat shapes, cartoon style.",
        "Clean, minimal animation.",
    ),
    heldout=("A tiny looping cartoon.", "Drawn in a flat vector style."),
)  # fmt: skip


def all_words() -> list[Words]:
    """Every slot of the grammar (structures included), for the tests' checks over all of it."""
    tables = (NOUN, ACTION, FRAMING_NOUN, FRAMING_ADVERB, FRAMING, CAMERA, PLACE, PLACE_NOUN)
    tables += (PREPOSITION, LIGHT_ADJECTIVE, LIGHTING, AUDIO)
    singles = (SINGLE, OPENING, SHOT, ARTICLE, ADJECTIVE, SUBJECT, FACE, IMAGE_SUBJECT, TALK)
    singles += (PREPOSITION_OF_MOTION, RAIN, AUDIO_REF, SOUND, SPEAKER, FILLER)
    return [*singles, *(words for table in tables for words in table.values())]
