"""The prompt script: shots with time markers, @references with roles, dialogue, camera words.

    A rainy neon street at night, sound of rain on metal.
    [0-3s] wide shot, @image1 as first frame, slow pan left.
    [3-6s] close-up of the robot. The robot says "hello there"
    [6-8s] NARRATOR: "And so it began." @audio1 (ambient)

- Time markers: `[0-3s]`, `[0s-3s]`, `[0-3]`, `[2.5-5s]`, `[0:00-0:03]` (also `sec`/`seconds`,
  spaces, en dashes). Text before the first marker is global: it is prepended to every shot's text
  and its camera words apply to shots that name none. No markers: one shot over the whole clip.
  Shots run in order from 0 with no gaps or overlaps, each at least one frame long, and the last
  one ends at the duration (the duration is the last end when none is given).
- References: `@image1`..`@image9`, `@video1`..`@video3`, `@audio1`..`@audio3` name attached
  files. A role is written right after the mention, as `@image1 (first_frame)`,
  `@image1 (first frame)` or `@image1 as the first frame`, or passed in `roles`. Roles:
  first_frame, last_frame, appearance (images); motion (videos); soundtrack, voice, ambient (audio).
- Dialogue: quoted speech, with the speaker taken from `NAME: "..."`, `the robot says "..."` or
  `"..." says the robot`; speech before the first marker belongs to no shot and is an error.
- Camera words become `Shot.camera`: framing (close-up, medium shot, wide shot, over-the-shoulder)
  and movement (tracking shot, pull back, pan left/right, zoom in/out, static).

Shot text keeps the words as written (whitespace collapsed), so `to_script` can print a plan back.
Every problem raises `ScriptError` with the request field and, for the prompt, a character span.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from reelflow.pipeline.script import checks, cues
from reelflow.pipeline.script.display import format_error, plan_to_dict, seconds, to_script
from reelflow.pipeline.script.limits import DEFAULT_LIMITS, Limits
from reelflow.pipeline.script.plan import Plan, ScriptError, Shot
from reelflow.pipeline.script.references import decode_reference

UNIQUE_ROLES = ("first_frame", "last_frame")
EPS = 1e-6  # seconds: marker times are short decimals, so equal times compare equal within this

MARKER_CANDIDATE = re.compile(r"\[([^\[\]\n]{1,40})\]")
MARKER_BODY = re.compile(
    r"\s*(?P<a>[0-9][0-9.:]*)\s*(?P<ua>[A-Za-z]*)\s*[-–—]\s*(?P<b>[0-9][0-9.:]*)\s*(?P<ub>[A-Za-z]*)\s*"
)
TIME_SECONDS = re.compile(r"(\d{1,5})(?:\.(\d{1,6}))?")
TIME_CLOCK = re.compile(r"(\d{1,3}):([0-5]\d)(?:\.(\d{1,6}))?")
SECOND_UNITS = {"", "s", "sec", "secs", "second", "seconds"}
OTHER_UNITS = {"ms", "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours"}
MARKER_HELP = "write it like [0-3s], [2.5-5s] or [0:00-0:03]"


@dataclass(frozen=True)
class Marker:
    span: tuple[int, int]
    start: float
    end: float


@dataclass(frozen=True)
class Segment:
    """Whitespace-normalised text and, per character, its index in the prompt."""

    text: str
    where: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.where[start], self.where[max(start, end - 1)] + 1


def parse(
    prompt: str,
    *,
    duration_s: float | None = None,
    fps: int = 8,
    width: int = 64,
    height: int = 64,
    sample_rate: int = 16000,
    references: Mapping[str, bytes] | None = None,
    roles: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Plan:
    """Validate a request and read its prompt script into a `Plan`; raise `ScriptError`."""
    checks.check_prompt(prompt, limits)
    checks.check_numbers(duration_s, fps, width, height, sample_rate, limits)
    attached = checks.check_references(references or {}, limits)
    given_roles = checks.check_roles(roles or {}, attached)

    markers = _find_markers(prompt, limits)
    if not markers:
        duration = float(duration_s) if duration_s is not None else limits.default_duration_s
        markers = [Marker((0, 0), 0.0, duration)]
        bounds = [(0, len(prompt))]
        shared = _segment(prompt, 0, 0)
    else:
        duration = float(duration_s) if duration_s is not None else markers[-1].end
        ends = [m.span[0] for m in markers[1:]] + [len(prompt)]
        bounds = [(m.span[1], end) for m, end in zip(markers, ends, strict=True)]
        shared = _segment(prompt, 0, markers[0].span[0])
    _check_timeline(markers, duration, fps, explicit=duration_s is not None)

    written_roles: dict[str, tuple[str, tuple[int, int]]] = {}
    shared_mentions = _mentions(shared, attached, written_roles, limits)
    quotes = cues.find_quotes(shared.text)
    if isinstance(quotes, cues.Unclosed) or quotes:
        at = quotes.position if isinstance(quotes, cues.Unclosed) else quotes[0].span[0]
        raise ScriptError(
            "prompt",
            "dialogue before the first time marker belongs to no shot; move it into a shot",
            shared.span(at, at + 1),
        )

    shots = []
    for index, (marker, (lo, hi)) in enumerate(zip(markers, bounds, strict=True)):
        own = _segment(prompt, lo, hi)
        own_mentions = _mentions(own, attached, written_roles, limits)
        mentions = tuple(dict.fromkeys([*shared_mentions, *own_mentions]))  # ordered, unique
        shots.append(_shot(index, marker, own, shared, mentions, fps, len(prompt)))

    final_roles = _merge_roles(given_roles, written_roles, attached)
    decoded = tuple(
        decode_reference(
            name, attached[name], role=final_roles.get(name), sample_rate=sample_rate, limits=limits
        )
        for name in attached
    )
    return Plan(
        prompt=prompt,
        duration_s=duration,
        fps=fps,
        width=width,
        height=height,
        sample_rate=sample_rate,
        shots=tuple(shots),
        references=decoded,
        global_text=shared.text,
    )


def _parse_time(text: str) -> float | None:
    clock = TIME_CLOCK.fullmatch(text)
    if clock is not None:
        return int(clock.group(1)) * 60 + float(f"{clock.group(2)}.{clock.group(3) or 0}")
    plain = TIME_SECONDS.fullmatch(text)
    return float(text) if plain is not None else None


def _find_markers(prompt: str, limits: Limits) -> list[Marker]:
    markers = []
    for candidate in MARKER_CANDIDATE.finditer(prompt):
        body = MARKER_BODY.fullmatch(candidate.group(1))
        if body is None:
            continue  # "[a note]", "[1-2 people]": ordinary text
        units = {body.group("ua").lower(), body.group("ub").lower()}
        written = candidate.group()
        if units & OTHER_UNITS:
            raise ScriptError(
                "prompt", f"{written} is not in seconds; {MARKER_HELP}", candidate.span()
            )
        if not units <= SECOND_UNITS:
            continue
        start, end = _parse_time(body.group("a")), _parse_time(body.group("b"))
        if start is None or end is None:
            raise ScriptError(
                "prompt", f"{written} is not a valid time marker; {MARKER_HELP}", candidate.span()
            )
        if end > limits.max_duration_s + EPS:
            raise ScriptError(
                "prompt",
                f"shot {written} ends at {seconds(end)} s; the limit is "
                f"{seconds(limits.max_duration_s)} s",
                candidate.span(),
            )
        markers.append(Marker(candidate.span(), start, end))
    return markers


def _check_timeline(markers: list[Marker], duration: float, fps: int, *, explicit: bool) -> None:
    def fail(marker: Marker, message: str) -> ScriptError:
        if not marker.span[1]:  # no markers: the one shot is the clip, set by the duration
            return ScriptError("duration", message)
        return ScriptError("prompt", message, marker.span)

    def label(m: Marker) -> str:
        return f"shot [{seconds(m.start)}-{seconds(m.end)}s]" if m.span[1] else "the clip"

    previous_end = 0.0
    for i, m in enumerate(markers):
        name = label(m)
        if m.end < m.start - EPS:
            raise fail(m, f"{name} ends before it starts")
        if abs(m.end - m.start) <= EPS:
            raise fail(m, f"{name} is empty: it starts and ends at {seconds(m.start)} s")
        if m.start < previous_end - EPS:
            raise fail(
                m,
                f"{name} starts at {seconds(m.start)} s, before the previous shot ends at "
                f"{seconds(previous_end)} s; shots must not overlap",
            )
        if m.start > previous_end + EPS:
            where = "the clip starts" if i == 0 else "the previous shot ends"
            raise fail(
                m,
                f"gap from {seconds(previous_end)} s to {seconds(m.start)} s: {where} at "
                f"{seconds(previous_end)} s but {name} starts at {seconds(m.start)} s",
            )
        if round(m.end * fps) - round(m.start * fps) < 1:
            raise fail(m, f"{name} is shorter than one frame at {fps} fps ({1 / fps:.3g} s)")
        previous_end = m.end
    for m in markers:  # after the order checks: without a duration the last end is the duration
        if m.end > duration + EPS:
            name = label(m)
            message = (
                f"{name} ends at {seconds(m.end)} s, after the duration of {seconds(duration)} s"
            )
            raise fail(m, message)
    if explicit and previous_end < duration - EPS:
        raise fail(
            markers[-1],
            f"the shots end at {seconds(previous_end)} s but the duration is {seconds(duration)} s;"
            " the last shot must end at the duration",
        )


def _segment(prompt: str, start: int, end: int) -> Segment:
    words, where = [], []
    for match in re.finditer(r"\S+", prompt[start:end]):
        if words:
            where.append(start + match.start() - 1)  # the joining space
        words.append(match.group())
        where.extend(range(start + match.start(), start + match.end()))
    return Segment(" ".join(words), tuple(where))


def _mentions(
    segment: Segment,
    attached: Mapping[str, bytes],
    written_roles: dict[str, tuple[str, tuple[int, int]]],
    limits: Limits,
) -> list[str]:
    """Names mentioned in `segment`, in order; records roles written next to them."""
    names: list[str] = []
    for m in cues.find_mentions(segment.text):
        span = segment.span(*m.span)
        written = segment.text[m.span[0] : m.span[1]]
        if not m.digits:
            raise ScriptError("prompt", f"{written} needs a number, like @{m.kind}1", span)
        top = checks.max_index(m.kind, limits)
        if m.digits.startswith("0") or len(m.digits) > 2 or not 1 <= int(m.digits) <= top:
            raise ScriptError(
                "prompt",
                f"{written} is not a reference; {m.kind}s are @{m.kind}1 to @{m.kind}{top}",
                span,
            )
        name = f"{m.kind}{int(m.digits)}"
        if name not in attached:
            raise ScriptError("prompt", f"{written} is mentioned but no {name} is attached", span)
        if name not in names:
            names.append(name)
        if m.role_text is not None and m.role_span is not None:
            _written_role(name, m.role_text, segment.span(*m.role_span), written_roles)
    return names


def _written_role(
    name: str,
    text: str,
    span: tuple[int, int],
    written_roles: dict[str, tuple[str, tuple[int, int]]],
) -> None:
    role = cues.normalise_role(text)
    if role not in checks.ROLE_KINDS and "_" not in text:
        return  # "@image1 (the red car)": a description, not a role
    checks.check_role_fits(name, role, text.strip(), "prompt", span)
    before = written_roles.get(name)
    if before is not None and before[0] != role:
        raise ScriptError(
            "prompt", f"{name} is already {before[0]}; it cannot also be {role}", span
        )
    for other, (other_role, _) in written_roles.items():
        if other != name and other_role == role and role in UNIQUE_ROLES:
            raise ScriptError("prompt", f"{other} is already the {role}; only one can be", span)
    written_roles[name] = (role, span)


def _merge_roles(
    given: dict[str, str],
    written: dict[str, tuple[str, tuple[int, int]]],
    attached: Mapping[str, bytes],
) -> dict[str, str]:
    roles = {name: role for name, (role, _) in written.items()}
    for name, role in given.items():
        if name in written and written[name][0] != role:
            raise ScriptError(
                "prompt",
                f"{name} is {written[name][0]} in the prompt but {role} in roles",
                written[name][1],
            )
        roles[name] = role
    for role in UNIQUE_ROLES:
        holders = [name for name in attached if roles.get(name) == role]
        if len(holders) > 1:
            raise ScriptError(
                f"references[{holders[1]}]", f"{holders[0]} is already the {role}; only one can be"
            )
    return roles


def _shot(
    index: int,
    marker: Marker,
    own: Segment,
    shared: Segment,
    mentions: tuple[str, ...],
    fps: int,
    prompt_chars: int,
) -> Shot:
    quotes = cues.find_quotes(own.text)
    if isinstance(quotes, cues.Unclosed):
        raise ScriptError(
            "prompt", "this quote is never closed", own.span(quotes.position, quotes.position + 1)
        )
    text = " ".join(t for t in (shared.text, own.text) if t)
    span = marker.span if marker.span[1] else (0, prompt_chars)
    if own.where:
        span = (span[0] if marker.span[1] else own.where[0], own.where[-1] + 1)
    if not text:
        raise ScriptError("prompt", "this shot has no description", span)
    camera = cues.find_camera(cues.mask(own.text, [q.span for q in quotes]), shared.text)
    return Shot(
        index=index,
        start_s=marker.start,
        end_s=marker.end,
        start_frame=round(marker.start * fps),
        end_frame=round(marker.end * fps),
        text=text,
        camera=camera,
        dialogue=tuple(q.dialogue for q in quotes if q.dialogue is not None),
        mentions=mentions,
        span=span,
    )


__all__ = ["format_error", "parse", "plan_to_dict", "to_script"]
