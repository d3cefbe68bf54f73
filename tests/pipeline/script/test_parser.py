"""The prompt script language: table-driven valid and invalid scripts, messages and spans."""

from __future__ import annotations

from functools import cache

import pytest

from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.parser import format_error, parse, plan_to_dict, to_script
from reelflow.pipeline.script.plan import Camera, Dialogue, ScriptError
from tests.pipeline.reference_media import audio_bytes, image_bytes, video_bytes


@cache
def refs() -> dict[str, bytes]:
    png, wav, mp4 = image_bytes(), audio_bytes(seconds=0.5), video_bytes(seconds=0.5)
    return {"image1": png, "image2": png, "video1": mp4, "audio1": wav, "audio2": wav}


def times(plan):
    return [(s.start_s, s.end_s, s.start_frame, s.end_frame) for s in plan.shots]


# (prompt, parse kwargs, expected [(start_s, end_s, start_frame, end_frame)], duration)
TIMELINES = [
    ("a cat", {}, [(0, 4, 0, 32)], 4.0),
    ("a cat", {"duration_s": 2.5}, [(0, 2.5, 0, 20)], 2.5),
    ("[0-3s] a [3-6s] b", {}, [(0, 3, 0, 24), (3, 6, 24, 48)], 6.0),
    ("[0s-3s] a [3s-6s] b", {"duration_s": 6}, [(0, 3, 0, 24), (3, 6, 24, 48)], 6.0),
    ("[0-3] a [3-4.5] b", {}, [(0, 3, 0, 24), (3, 4.5, 24, 36)], 4.5),
    ("[0-2.5s] a [2.5-5s] b", {"fps": 10}, [(0, 2.5, 0, 25), (2.5, 5, 25, 50)], 5.0),
    ("[0:00-0:03] a [0:03-0:10] b", {}, [(0, 3, 0, 24), (3, 10, 24, 80)], 10.0),
    ("[ 0 – 2 sec ] a [2 - 3 seconds] b", {}, [(0, 2, 0, 16), (2, 3, 16, 24)], 3.0),
    ("[0-15s] long", {}, [(0, 15, 0, 120)], 15.0),
    ("[0-0.1s] blink", {}, [(0, 0.1, 0, 1)], 0.1),
]


@pytest.mark.parametrize(("prompt", "kwargs", "expected", "duration"), TIMELINES)
def test_timelines(prompt, kwargs, expected, duration):
    plan = parse(prompt, **kwargs)
    assert times(plan) == expected
    assert plan.duration_s == duration
    assert plan.num_frames == expected[-1][3]
    assert [s.index for s in plan.shots] == list(range(len(expected)))


def test_global_text_is_prepended_and_spans_point_at_shots():
    prompt = "Rainy street.\n[0-3s] a robot walks\n[3-6s]   it stops  "
    plan = parse(prompt)
    assert plan.global_text == "Rainy street."
    assert [s.text for s in plan.shots] == [
        "Rainy street. a robot walks",
        "Rainy street. it stops",
    ]
    assert [prompt[slice(*s.span)] for s in plan.shots] == [
        "[0-3s] a robot walks",
        "[3-6s]   it stops",
    ]


def test_brackets_that_are_not_markers_stay_text():
    plan = parse("a poster reads [1-2 people] and [note]")
    assert len(plan.shots) == 1 and plan.shots[0].text == "a poster reads [1-2 people] and [note]"


# (shot text, expected dialogue)
DIALOGUE = [
    ('the robot says "hello there"', [Dialogue("robot", "hello there")]),
    ('NARRATOR: "It began."', [Dialogue("NARRATOR", "It began.")]),
    ('"Run!" shouts the old man.', [Dialogue("old man", "Run!")]),
    ('The Captain says, "Hold  on"', [Dialogue("Captain", "Hold on")]),
    ("a voice: “curly quotes”", [Dialogue("voice", "curly quotes")]),
    ('rain falls. "who is there?"', [Dialogue(None, "who is there?")]),
    (
        'A: "one" B replies "two"',
        [Dialogue("A", "one"), Dialogue("B", "two")],
    ),
    ('an empty "" quote and the sound of distant thunder', []),
]


@pytest.mark.parametrize(("text", "expected"), DIALOGUE)
def test_dialogue(text, expected):
    shot = parse(text).shots[0]
    assert list(shot.dialogue) == expected
    assert shot.text == " ".join(text.split())  # speech and sound words stay in the text


# (shot text, expected camera)
CAMERA = [
    ("close-up of a face", Camera("close-up", None)),
    ("Extreme close up, zooming in", Camera("close-up", "zoom in")),
    ("medium shot, the camera pans left", Camera("medium shot", "pan left")),
    ("wide-angle view, pull back slowly", Camera("wide shot", "pull back")),
    ("over the shoulder, tracking shot", Camera("over-the-shoulder", "tracking shot")),
    ("pan to the right then zoom out", Camera(None, "pan right")),
    ("static shot of a lake", Camera(None, "static")),
    ("the radio hisses static noise", Camera(None, None)),
    ('she says "close-up please"', Camera(None, None)),
]


@pytest.mark.parametrize(("text", "expected"), CAMERA)
def test_camera(text, expected):
    assert parse(text).shots[0].camera == expected


def test_shot_camera_falls_back_to_global_words():
    plan = parse("wide shot, static. [0-2s] a bird [2-4s] close-up of the bird")
    assert [s.camera for s in plan.shots] == [
        Camera("wide shot", "static"),
        Camera("close-up", "static"),
    ]


def test_references_mentions_and_roles():
    prompt = (
        "@image2 (appearance) everywhere. [0-2s] start on @image1 as the first frame "
        "[2-4s] move like @video1 (motion), @audio1 as the voice, @Image1 again"
    )
    plan = parse(prompt, references=refs(), roles={"audio2": "soundtrack"})
    assert [s.mentions for s in plan.shots] == [
        ("image2", "image1"),
        ("image2", "video1", "audio1", "image1"),
    ]
    roles = {r.name: (r.kind, r.role) for r in plan.references}
    assert roles == {
        "image1": ("image", "first_frame"),
        "image2": ("image", "appearance"),
        "video1": ("video", "motion"),
        "audio1": ("audio", "voice"),
        "audio2": ("audio", "soundtrack"),
    }
    assert [r.name for r in plan.references] == ["image1", "image2", "video1", "audio1", "audio2"]


def test_role_spellings_and_descriptions():
    plan = parse("@image1 (First Frame) @image2 (the red car)", references=refs())
    assert {r.name: r.role for r in plan.references}["image1"] == "first_frame"
    assert {r.name: r.role for r in plan.references}["image2"] is None


def test_plan_to_dict_has_no_raw_data():
    plan = parse("[0-1s] @image1 (first_frame) hi", references={"image1": refs()["image1"]})
    out = plan_to_dict(plan)
    assert out["references"] == [
        {
            "name": "image1",
            "kind": "image",
            "role": "first_frame",
            "shape": [48, 64, 3],
            "dtype": "uint8",
        }
    ]
    assert out["shots"][0]["camera"] == {"framing": None, "movement": None}
    assert out["num_frames"] == 8 and out["num_samples"] == 16000


def test_to_script_round_trip():
    prompt = 'Night.  [0-1.25s] wide shot, A says "hi" [1.25-3s] @image1 (first_frame) zoom in'
    plan = parse(prompt, references=refs())
    text = to_script(plan)
    assert text == (
        'Night.\n[0-1.25s] wide shot, A says "hi"\n[1.25-3s] @image1 (first_frame) zoom in'
    )
    again = parse(text, references=refs())
    strip = [(s.start_s, s.end_s, s.text, s.camera, s.dialogue, s.mentions) for s in again.shots]
    assert strip == [
        (s.start_s, s.end_s, s.text, s.camera, s.dialogue, s.mentions) for s in plan.shots
    ]


LONG = "x" * 5123
# (prompt, kwargs, field, message, span or None)
ERRORS = [
    ("", {}, "prompt", "prompt is empty", None),
    (" \n\t ", {}, "prompt", "prompt is empty", None),
    (LONG, {}, "prompt", "prompt is 5,123 characters; the limit is 5,000", (5000, 5123)),
    ("a\x00b", {}, "prompt", "prompt contains a control character (U+0000)", (1, 2)),
    ("a", {"duration_s": 20}, "duration", "duration is 20 s; the limit is 15 s", None),
    ("a", {"duration_s": 0}, "duration", "duration must be positive, got 0 s", None),
    ("a", {"duration_s": float("nan")}, "duration", "duration must be positive, got nan s", None),
    (
        "a",
        {"duration_s": 0.05},
        "duration",
        "the clip is shorter than one frame at 8 fps (0.125 s)",
        None,
    ),
    ("a", {"fps": 60}, "fps", "fps is 60; it must be a whole number from 1 to 30", None),
    ("a", {"fps": 0}, "fps", "fps is 0; it must be a whole number from 1 to 30", None),
    (
        "a",
        {"width": 100},
        "size",
        "size is 100x64; width and height must be multiples of 8 from 32 to 1024",
        None,
    ),
    (
        "a",
        {"height": 2048},
        "size",
        "size is 64x2048; width and height must be multiples of 8 from 32 to 1024",
        None,
    ),
    (
        "a",
        {"sample_rate": 100},
        "sample_rate",
        "sample_rate is 100 Hz; it must be from 8,000 to 48,000 Hz",
        None,
    ),
    ("[0-3s] a [3-1s] b", {}, "prompt", "shot [3-1s] ends before it starts", (9, 15)),
    ("[0-3s] a [3-3s] b", {}, "prompt", "shot [3-3s] is empty: it starts and ends at 3 s", (9, 15)),
    (
        "[0-3s] a\n[2-5s] b",
        {},
        "prompt",
        "shot [2-5s] starts at 2 s, before the previous shot ends at 3 s; shots must not overlap",
        (9, 15),
    ),
    (
        "[0-3s] a [4-6s] b",
        {},
        "prompt",
        "gap from 3 s to 4 s: the previous shot ends at 3 s but shot [4-6s] starts at 4 s",
        (9, 15),
    ),
    (
        "[1-3s] a",
        {},
        "prompt",
        "gap from 0 s to 1 s: the clip starts at 0 s but shot [1-3s] starts at 1 s",
        (0, 6),
    ),
    (
        "[0-3s] a [3-8s] b",
        {"duration_s": 6},
        "prompt",
        "shot [3-8s] ends at 8 s, after the duration of 6 s",
        (9, 15),
    ),
    (
        "[0-3s] a [3-5s] b",
        {"duration_s": 6},
        "prompt",
        "the shots end at 5 s but the duration is 6 s; the last shot must end at the duration",
        (9, 15),
    ),
    ("[0-20s] a", {}, "prompt", "shot [0-20s] ends at 20 s; the limit is 15 s", (0, 7)),
    (
        "[0-0.05s] a [0.05-1s] b",
        {},
        "prompt",
        "shot [0-0.05s] is shorter than one frame at 8 fps (0.125 s)",
        (0, 9),
    ),
    (
        "[0-3m] a",
        {},
        "prompt",
        "[0-3m] is not in seconds; write it like [0-3s], [2.5-5s] or [0:00-0:03]",
        (0, 6),
    ),
    (
        "ok [1.2.3-4s] a",
        {},
        "prompt",
        "[1.2.3-4s] is not a valid time marker; write it like [0-3s], [2.5-5s] or [0:00-0:03]",
        (3, 13),
    ),
    (
        "[0:75-1:00] a",
        {},
        "prompt",
        "[0:75-1:00] is not a valid time marker; write it like [0-3s], [2.5-5s] or [0:00-0:03]",
        (0, 11),
    ),
    ("[0-3s]   [3-4s] b", {}, "prompt", "this shot has no description", (0, 6)),
    ("a @image3 b", {}, "prompt", "@image3 is mentioned but no image3 is attached", (2, 9)),
    ("a @image b", {}, "prompt", "@image needs a number, like @image1", (2, 8)),
    (
        "a @video4",
        {},
        "prompt",
        "@video4 is not a reference; videos are @video1 to @video3",
        (2, 9),
    ),
    (
        "a @image01",
        {},
        "prompt",
        "@image01 is not a reference; images are @image1 to @image9",
        (2, 10),
    ),
    ('she says "hi', {}, "prompt", "this quote is never closed", (9, 10)),
    (
        'NARRATOR: "hi" [0-2s] a',
        {},
        "prompt",
        "dialogue before the first time marker belongs to no shot; move it into a shot",
        (10, 11),
    ),
]


@pytest.mark.parametrize(("prompt", "kwargs", "field", "message", "span"), ERRORS)
def test_errors(prompt, kwargs, field, message, span):
    with pytest.raises(ScriptError) as caught:
        parse(prompt, **kwargs)
    assert (caught.value.field, caught.value.message, caught.value.span) == (field, message, span)


# (prompt, references, roles, field, message, span)
REFERENCE_ERRORS = [
    (
        "a",
        {"image10": b"x"},
        None,
        "references[image10]",
        "'image10' is not a reference name; use image1 to image9, video1 to video3, "
        "audio1 to audio3",
        None,
    ),
    (
        "a",
        {"picture1": b"x"},
        None,
        "references[picture1]",
        "'picture1' is not a reference name; use image1 to image9, video1 to video3, audio1 to "
        "audio3",
        None,
    ),
    ("a", {"image1": "not bytes"}, None, "references[image1]", "the file must be bytes", None),
    (
        "a",
        {"image2": b"x"},
        {"image1": "first_frame"},
        "references[image1]",
        "a role is given for image1, which is not attached",
        None,
    ),
    (
        "a",
        {"image1": b"x"},
        {"image1": "motion"},
        "references[image1]",
        "image1 cannot be motion: motion takes a video; image references take first_frame, "
        "last_frame or appearance",
        None,
    ),
    (
        "a",
        {"audio1": b"x"},
        {"audio1": "hero"},
        "references[audio1]",
        "'hero' is not a role; audio references take soundtrack, voice or ambient",
        None,
    ),
    (
        "@image1 (first_fame)",
        {"image1": b"x"},
        None,
        "prompt",
        "'first_fame' is not a role; image references take first_frame, last_frame or appearance",
        (9, 19),
    ),
    (
        "@audio1 as the first frame",
        {"audio1": b"x"},
        None,
        "prompt",
        "audio1 cannot be first_frame: first_frame takes an image; audio references take "
        "soundtrack, voice or ambient",
        (15, 26),
    ),
    (
        "@image1 (first_frame) @image1 (appearance)",
        {"image1": b"x"},
        None,
        "prompt",
        "image1 is already first_frame; it cannot also be appearance",
        (31, 41),
    ),
    (
        "@image1 (first_frame) @image2 (first frame)",
        {"image1": b"x", "image2": b"x"},
        None,
        "prompt",
        "image1 is already the first_frame; only one can be",
        (31, 42),
    ),
    (
        "@image1 (first_frame)",
        {"image1": b"x"},
        {"image1": "appearance"},
        "prompt",
        "image1 is first_frame in the prompt but appearance in roles",
        (9, 20),
    ),
    (
        "a",
        {"image1": b"x", "image2": b"x"},
        {"image1": "last_frame", "image2": "last frame"},
        "references[image2]",
        "image1 is already the last_frame; only one can be",
        None,
    ),
    ("a", {"image1": b""}, None, "references[image1]", "the file is empty", None),
]


@pytest.mark.parametrize(
    ("prompt", "references", "roles", "field", "message", "span"), REFERENCE_ERRORS
)
def test_reference_errors(prompt, references, roles, field, message, span):
    with pytest.raises(ScriptError) as caught:
        parse(prompt, references=references, roles=roles)
    assert (caught.value.field, caught.value.message, caught.value.span) == (field, message, span)


def test_reference_count_limits():
    many = {f"image{i}": b"x" for i in range(1, 10)} | {
        "video1": b"x",
        "video2": b"x",
        "audio1": b"x",
        "audio2": b"x",
    }
    with pytest.raises(ScriptError) as caught:
        parse("a", references=many)
    assert (caught.value.field, caught.value.message) == (
        "references",
        "13 files are attached; the limit is 12",
    )
    with pytest.raises(ScriptError) as caught:
        parse("a", references={"image3": b"x"}, limits=Limits(max_images=2))
    assert caught.value.message.startswith("'image3' is not a reference name; use image1 to image2")


def test_unmentioned_attachment_is_allowed_and_decoded():
    plan = parse("a cat", references={"audio1": refs()["audio1"]})
    assert plan.shots[0].mentions == ()
    assert plan.references[0].data.shape == (8000,)


def test_format_error_puts_a_caret_under_the_span():
    prompt = "Night.\n[0-3s] a cat\n[3-1s] a dog"
    with pytest.raises(ScriptError) as caught:
        parse(prompt)
    assert format_error(prompt, caught.value) == (
        "error: prompt: shot [3-1s] ends before it starts\n"
        "  line 3, column 1:\n"
        "  [3-1s] a dog\n"
        "  ^~~~~~"
    )


def test_format_error_windows_long_lines_and_ignores_other_fields():
    prompt = "y" * 200 + " @image5 " + "z" * 200
    with pytest.raises(ScriptError) as caught:
        parse(prompt)
    lines = format_error(prompt, caught.value).split("\n")
    assert lines[1] == "  line 1, column 202:"
    assert lines[2].startswith("  …") and lines[2].endswith("…")
    assert lines[3].index("^") == lines[2].index("@") and lines[3].endswith("^~~~~~~")
    assert format_error("a", ScriptError("fps", "bad")) == "error: fps: bad"
