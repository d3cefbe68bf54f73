"""What `script.parse` reads inside one stretch of shot text: dialogue, camera words, @mentions.

Every function works on whitespace-normalised text (so a plan printed back by `to_script` reads
the same) and reports positions in that text; `script.py` maps them back to the prompt. Patterns
are bounded and never nest quantifiers, so no input makes them backtrack catastrophically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reelflow.pipeline.script.plan import Camera, Dialogue

QUOTES = {'"': '"', "“": "”"}  # opening -> closing
SPEECH_VERBS = (
    "says|said|say|asks|asked|shouts|shouted|whispers|whispered|yells|yelled|replies|replied|"
    "sings|sang|calls out|called out|exclaims|exclaimed|answers|answered|mutters|muttered|"
    "cries|cried|screams|screamed|announces|announced|speaks|spoke|adds|added"
)
VERB_BEFORE = re.compile(rf"\b(?:{SPEECH_VERBS})\s?[,:]?\s?$", re.IGNORECASE)
VERB_AFTER = re.compile(rf"^,?\s?(?:{SPEECH_VERBS})\s(?P<who>[^.!?;,:\"“”()\[\]]{{1,60}})", re.I)
CLAUSE_BREAK = re.compile(r"[.!?;,:()\[\]\"“”]")
ARTICLES = ("a", "an", "the")
MAX_SPEAKER_WORDS = 5

FRAMINGS = {
    "over-the-shoulder": r"over[\s-]the[\s-]shoulder",
    "close-up": r"(?:extreme[\s-])?close[\s-]?ups?",
    "medium shot": r"medium[\s-]shots?|mid[\s-]shots?",
    "wide shot": r"wide[\s-]shots?|wide[\s-]angle|long[\s-]shots?|establishing[\s-]shots?",
}
MOVEMENTS = {
    "tracking shot": r"tracking(?:[\s-]shots?)?",
    "pull back": r"pull(?:s|ing)?[\s-]back|pullback",
    "pan left": r"pan(?:s|ning)?\s(?:to\sthe\s)?left",
    "pan right": r"pan(?:s|ning)?\s(?:to\sthe\s)?right",
    "zoom in": r"zoom(?:s|ing)?[\s-]in(?:to)?",
    "zoom out": r"zoom(?:s|ing)?[\s-]out",
    # "static noise" is a sound, not a camera.
    "static": r"static(?:\s(?:shot|camera))?(?!\s(?:noise|sound|hiss|crackle|buzz))|locked[\s-]off",
}


def _alternation(table: dict[str, str]) -> tuple[re.Pattern[str], list[str]]:
    names = list(table)
    body = "|".join(f"(?P<g{i}>{table[name]})" for i, name in enumerate(names))
    return re.compile(rf"\b(?:{body})\b", re.IGNORECASE), names


FRAMING_RE, FRAMING_NAMES = _alternation(FRAMINGS)
MOVEMENT_RE, MOVEMENT_NAMES = _alternation(MOVEMENTS)
MENTION_RE = re.compile(r"(?<![\w@])@(image|video|audio)(\d*)(?!\w)", re.IGNORECASE)
ROLE_PAREN_RE = re.compile(r"\s?\(\s?([A-Za-z][A-Za-z_ -]{0,29})\s?\)")
ROLE_AS_RE = re.compile(
    r"\sas\s(?:the\s|an?\s)?(first[ _-]?frame|last[ _-]?frame|appearance|motion|soundtrack|"
    r"voice|ambient(?:\ssound)?)(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    dialogue: Dialogue | None  # None for an empty quote ("")
    span: tuple[int, int]  # the quote including its quote marks


@dataclass(frozen=True)
class Unclosed:
    position: int  # where the unclosed quote opens


@dataclass(frozen=True)
class Mention:
    kind: str  # "image" | "video" | "audio", lower-cased
    digits: str  # as written; "" for a bare @image
    span: tuple[int, int]
    role_text: str | None  # role words written next to the mention, if any
    role_span: tuple[int, int] | None


def find_quotes(text: str) -> list[Quote] | Unclosed:
    """Quoted speech in order, with the speaker from the words around it."""
    quotes: list[Quote] = []
    pos = 0
    while True:
        starts = [i for i in (text.find(q, pos) for q in QUOTES) if i >= 0]
        if not starts:
            return quotes
        start = min(starts)
        close = text.find(QUOTES[text[start]], start + 1)
        if close < 0:
            return Unclosed(start)
        spoken = " ".join(text[start + 1 : close].split())
        dialogue = None
        if spoken:
            speaker = _speaker_before(text[max(pos, start - 120) : start])
            if speaker is None:
                speaker = _speaker_after(text[close + 1 : close + 80])
            dialogue = Dialogue(speaker=speaker, text=spoken)
        quotes.append(Quote(dialogue, (start, close + 1)))
        pos = close + 1


def _clean_speaker(words: str) -> str | None:
    parts = words.split()
    if len(parts) > 1 and parts[0].lower() in ARTICLES:  # "the robot" -> "robot"; "A" stays
        parts = parts[1:]
    if not 1 <= len(parts) <= MAX_SPEAKER_WORDS:
        return None
    return " ".join(parts)


def _speaker_before(before: str) -> str | None:
    """`NARRATOR: "..."` or `the robot says "..."` -> the words of the clause before the quote."""
    before = before.rstrip()
    verb = VERB_BEFORE.search(before)
    if verb is not None:
        clause = before[: verb.start()]
    elif before.endswith(":"):
        clause = before[:-1]
    else:
        return None
    breaks = list(CLAUSE_BREAK.finditer(clause))
    if breaks:
        clause = clause[breaks[-1].end() :]
    return _clean_speaker(clause)


def _speaker_after(after: str) -> str | None:
    """`"..." says the robot` -> "robot"."""
    match = VERB_AFTER.match(after)
    return _clean_speaker(match.group("who")) if match else None


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the spans blanked, so camera words inside speech are not read as camera."""
    out = list(text)
    for start, end in spans:
        out[start:end] = " " * (end - start)
    return "".join(out)


def find_camera(own: str, shared: str) -> Camera:
    """Camera hints: the shot's own words first, then the global description's."""

    def first(pattern: re.Pattern[str], names: list[str]) -> str | None:
        for text in (own, shared):
            match = pattern.search(text)
            if match is not None:
                return names[int(match.lastgroup[1:])]  # type: ignore[index]
        return None

    return Camera(
        framing=first(FRAMING_RE, FRAMING_NAMES), movement=first(MOVEMENT_RE, MOVEMENT_NAMES)
    )


def find_mentions(text: str) -> list[Mention]:
    """Every `@image1`-style mention, with role words written right after it."""
    mentions = []
    for match in MENTION_RE.finditer(text):
        role_text, role_span = None, None
        paren = ROLE_PAREN_RE.match(text, match.end())
        said = paren or ROLE_AS_RE.match(text, match.end())
        if said is not None:
            role_text, role_span = said.group(1), (said.start(1), said.end(1))
        mentions.append(
            Mention(match.group(1).lower(), match.group(2), match.span(), role_text, role_span)
        )
    return mentions


def normalise_role(words: str) -> str:
    """ "first frame", "First-Frame", "the first_frame", "ambient sound" -> "first_frame" etc."""
    parts = re.split(r"[\s_-]+", words.strip().lower())
    if parts and parts[0] in ARTICLES:
        parts = parts[1:]
    if parts == ["ambient", "sound"]:
        parts = ["ambient"]
    if parts in (["first", "frame"], ["last", "frame"], ["firstframe"], ["lastframe"]):
        return "first_frame" if parts[0].startswith("first") else "last_frame"
    return "_".join(parts)
