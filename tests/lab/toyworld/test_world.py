"""The toy world: specs, sampling, prompts and rendering are valid and deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from reelflow.lab.toyworld.sample import HELDOUT, is_heldout, sample_spec
from reelflow.lab.toyworld.spec import ClipSpec, ShotSpec
from reelflow.lab.toyworld.wording.prompts import prompt_text
from reelflow.lab.toyworld.world import make_dataset, reference_media, render_clip


def test_same_seed_same_clips() -> None:
    first, second = list(make_dataset(3, seed=5)), list(make_dataset(3, seed=5))
    for a, b in zip(first, second, strict=True):
        assert a.spec == b.spec and a.prompt == b.prompt
        assert np.array_equal(a.frames, b.frames) and np.array_equal(a.audio, b.audio)
    other = next(make_dataset(1, seed=6))
    assert other.spec != first[0].spec


def test_clip_shapes_and_alignment(clips) -> None:
    for clip in clips:
        spec = clip.spec
        assert clip.frames.shape == (spec.num_frames, spec.size, spec.size, 3)
        assert clip.frames.dtype == np.uint8 and clip.audio.dtype == np.float32
        assert len(clip.audio) == round(spec.num_frames * spec.sample_rate / spec.fps)
        assert np.abs(clip.audio).max() <= 1.0
        assert clip.truth.cut_frames == spec.cut_frames()


def test_spec_json_round_trip(clips) -> None:
    import json

    for clip in clips:
        assert ClipSpec.from_dict(json.loads(json.dumps(clip.spec.to_dict()))) == clip.spec


def test_spec_rejects_inconsistent_ground_truth() -> None:
    shot = ShotSpec(0.0, 2.0)
    with pytest.raises(ValueError, match="speak"):
        ClipSpec("circle", "red", "speak", "speech", (shot,), dialogue="hi")
    with pytest.raises(ValueError, match="bounce"):
        ClipSpec("circle", "red", "bounce", "hum", (shot,))
    with pytest.raises(ValueError, match="cut"):
        ClipSpec("circle", "red", "still", "hum", (shot, ShotSpec(2.0, 3.0)))
    with pytest.raises(ValueError, match="colour"):
        ClipSpec("circle", "pink", "still", "hum", (shot,))


def test_heldout_never_in_train_and_only_in_heldout() -> None:
    rng = np.random.default_rng(0)
    train = [sample_spec(rng) for _ in range(400)]
    heldout = [sample_spec(rng, split="heldout") for _ in range(60)]
    assert not any(is_heldout(s) for s in train)
    assert all(is_heldout(s) for s in heldout)
    seen = {i for s in heldout for i, rule in enumerate(HELDOUT) if is_heldout_rule(s, rule)}
    assert seen == set(range(len(HELDOUT)))  # every held-out combination gets evaluated


def is_heldout_rule(spec: ClipSpec, rule: dict[str, str]) -> bool:
    from reelflow.lab.toyworld.sample import _matches

    return _matches(spec, rule)


def test_prompt_paraphrases_vary() -> None:
    rng = np.random.default_rng(1)
    specs = [sample_spec(rng) for _ in range(40)]
    openings = {prompt_text(s).split(" ")[1] for s in specs}
    assert len(openings) > 3


def test_prompts_parse_with_the_script_language() -> None:
    script = pytest.importorskip("reelflow.pipeline.script.parser")
    from reelflow.lab.toyworld.files import reference_files

    rng = np.random.default_rng(2)
    for _ in range(30):
        spec = sample_spec(rng)
        files = {name: data for name, (_, data) in reference_files(spec).items()}
        plan = script.parse(
            prompt_text(spec), fps=spec.fps, duration_s=spec.duration_s, references=files
        )
        assert [(s.start_s, s.end_s) for s in plan.shots] == [
            (s.start_s, s.end_s) for s in spec.shots
        ]


def test_references_show_the_subject_path_and_tone() -> None:
    spec = ClipSpec(
        "triangle", "purple", "still", "hum", (ShotSpec(0.0, 2.0),), image_ref=True, seed=3
    )
    image = reference_media(spec)["image1"]
    assert image.shape == (64, 64, 3)
    centre = image[32, 32].astype(int)
    assert centre[2] > centre[1] + 80  # purple: blue and red well above green


def test_render_is_fast() -> None:
    import time

    spec = sample_spec(np.random.default_rng(3), duration_s=(4, 4))
    start = time.perf_counter()
    render_clip(spec)
    assert time.perf_counter() - start < 1.0
