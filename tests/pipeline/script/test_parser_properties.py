"""Property tests: any text is a plan or a ScriptError, fast; printed plans parse back the same."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.parser import format_error, parse, to_script
from reelflow.pipeline.script.plan import Plan, ScriptError

ROOMY = Limits(max_prompt_chars=10_000)  # so long inputs reach the script reader
PER_CALL_S = 0.25

# Pieces that exercise every rule of the language, glued in any order.
PIECES = [
    "[0-3s]",
    "[3-6s]",
    "[0s-2.5s]",
    "[2.5-5]",
    "[0:00-0:03]",
    "[0-1 sec]",
    "[3-1s]",
    "[0-3m]",
    "[1.2.3-4]",
    "[",
    "]",
    "-",
    ":",
    "@image1",
    "@video2",
    "@audio",
    "@image10",
    " (first_frame)",
    " (appearance)",
    " as the voice",
    " as motion",
    '"',
    "“",
    "”",
    "says ",
    "NARRATOR: ",
    "close-up",
    "wide shot",
    "pan left",
    "zoom in",
    "static",
    "\n",
    "\t",
    " ",
    "a",
    "cat",
    "0",
    "9",
    ".",
    ",",
    "(",
    ")",
    "\x00",
    "é",
    "🎬",
]


def shots_of(plan: Plan) -> list[tuple]:
    return [
        (s.start_s, s.end_s, s.start_frame, s.end_frame, s.text, s.camera, s.dialogue, s.mentions)
        for s in plan.shots
    ]


def check_any(text: str) -> None:
    start = time.perf_counter()
    try:
        plan = parse(text, limits=ROOMY)
    except ScriptError as error:
        assert error.field == "prompt" and error.message
        if error.span is not None:
            assert 0 <= error.span[0] <= error.span[1] <= len(text) + 1
        format_error(text, error)
    else:
        assert plan.shots and plan.shots[-1].end_frame == plan.num_frames
    assert time.perf_counter() - start < PER_CALL_S


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.text(max_size=400), st.lists(st.sampled_from(PIECES), max_size=80).map("".join))
)
def test_any_short_text_is_a_plan_or_a_script_error(text):
    check_any(text)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join), st.integers(1, 10_000)
)
def test_any_long_text_is_a_plan_or_a_script_error(chunk, size):
    check_any((chunk * (size // len(chunk) + 1))[:size])


WORDS = [
    "a",
    "red",
    "robot",
    "walks",
    "close-up",
    "wide shot",
    "pan right",
    "zoom out",
    "rain",
    "static",
    "sound of distant thunder",
    "tracking shot",
    "(the hero)",
    "[1-2 people]",
]


@st.composite
def scripts(draw) -> tuple[str, float | None]:
    """Valid multi-shot scripts: a global line, shots on a 0.25 s grid, speech, camera words."""
    words = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)
    lines = [draw(words)]
    start, count = 0.0, draw(st.integers(1, 5))
    for _ in range(count):
        end = start + draw(st.integers(1, 12)) * 0.25
        if end > 15:
            break
        text = draw(words)
        if draw(st.booleans()):
            speaker = draw(st.sampled_from(["NARRATOR: ", "the robot says ", "", "Ann asks, "]))
            text += f' {speaker}"{draw(words) or "hm"}"'
        marker = draw(st.sampled_from(["[{a:g}-{b:g}s]", "[{a:g}s-{b:g}s]", "[{a:g}-{b:g}]"]))
        lines.append(marker.format(a=start, b=end) + " " + (text or "x"))
        start = end
    gap = draw(st.sampled_from(["\n", " ", "\n\n  "]))
    duration = draw(st.sampled_from([None, start]))
    return gap.join(lines), duration


@settings(max_examples=150, deadline=None)
@given(scripts(), st.sampled_from([4, 8, 24]))
def test_to_script_round_trip(script, fps):
    text, duration = script
    plan = parse(text, duration_s=duration, fps=fps)
    printed = to_script(plan)
    again = parse(printed, duration_s=duration, fps=fps)
    assert shots_of(again) == shots_of(plan)
    assert again.duration_s == plan.duration_s and again.global_text == plan.global_text
    assert to_script(again) == printed
