"""Retake, extend and remix over the real joint loop (random-init tiny stages, a few steps):
what is kept is the source's bits, what is regenerated changes, remix spans source..fresh,
edits resume and preview like any generation, and bad edits name their field."""

from __future__ import annotations

import asyncio
import io

import av
import numpy as np
import pytest
import torch

from reelflow.pipeline.editing.edits import EditSpec
from reelflow.pipeline.editing.prepare import generate_edit, prepare_edit, upload_meta
from reelflow.pipeline.editing.source import SourceLatents, probe_upload
from reelflow.pipeline.generation.request import GenerationRequest, limits_for, prepare
from reelflow.pipeline.generation.schedule import generate
from reelflow.pipeline.model.audio_codec import AudioCodec
from reelflow.pipeline.script.plan import ScriptError
from tests.conftest import ffprobe
from tests.pipeline.editing.edit_helpers import STEPS, edit, frames_and_audio, make_source

PROMPT = "a red ball bouncing on a wooden floor, a soft hum"


@pytest.fixture(scope="module")
def source(local_stages, tiny):
    return make_source(local_stages, tiny, PROMPT, 2.0)


def test_outside_a_retake_the_source_is_kept_and_inside_it_changes(local_stages, tiny, source):
    result, src = source
    out = edit(local_stages, tiny, src, EditSpec("retake", start_s=0.5, end_s=1.5), "a blue cube")
    xv, xa = out.latents
    assert torch.equal(xv[:4], src.xv[:4]) and torch.equal(xv[12:], src.xv[12:])
    assert all(not torch.equal(xv[i], src.xv[i]) for i in range(4, 12))
    kept = torch.cat([torch.arange(0, 25), torch.arange(75, 101)])  # latents centred outside
    assert torch.equal(xa[kept], src.xa[kept]) and not torch.equal(xa[25:75], src.xa[25:75])
    # decoded: outside within the codec's (H.264 / AAC) round trip, inside clearly different
    frames, audio = frames_and_audio(out.mp4)
    before, sound = frames_and_audio(result.mp4)
    outside = np.abs(frames[[0, 1, 2, 3, 12, 13, 14, 15]] - before[[0, 1, 2, 3, 12, 13, 14, 15]])
    inside = np.abs(frames[5:11] - before[5:11])
    assert outside.mean() < 2.0 and inside.mean() > 5 * outside.mean()
    margin = 2048  # an AAC frame plus an MDCT hop either side of each edge
    far = np.r_[0 : 8000 - margin, 24000 + margin : len(sound)]
    codec = AudioCodec(tiny.audio_codec)
    heard, heard_before = (codec.decode(x.float(), 32000).numpy() for x in (xa, src.xa))
    untouched = far[far < 32000]  # AAC pads the decoded track
    assert np.array_equal(heard[untouched], heard_before[untouched])  # before AAC: the same
    # through AAC: its bit reservoir spreads some of a loud, noise-filled middle's change
    assert (
        np.abs(audio[far] - sound[far]).mean()
        < 0.2 * np.abs(audio[9000:23000] - sound[9000:23000]).mean()
    )


def test_a_retake_can_keep_the_picture_and_redo_only_the_sound(local_stages, tiny, source):
    _, src = source
    spec = EditSpec("retake", start_s=1.0, end_s=2.0, video=False)
    xv, xa = edit(local_stages, tiny, src, spec, seed=9).latents
    assert torch.equal(xv, src.xv)
    assert torch.equal(xa[:50], src.xa[:50]) and not torch.equal(xa[50:], src.xa[50:])


@pytest.mark.parametrize("at_start", [False, True])
def test_extend_is_the_source_plus_the_new_seconds(local_stages, tiny, source, tmp_path, at_start):
    _, src = source
    out = edit(local_stages, tiny, src, EditSpec("extend", seconds=1.0, at_start=at_start))
    path = tmp_path / "extended.mp4"
    path.write_bytes(out.mp4)
    video = next(s for s in ffprobe(path)["streams"] if s["codec_type"] == "video")
    assert abs(float(video["duration"]) - 3.0) <= 1 / 8 and int(video["nb_frames"]) == 24
    xv, xa = out.latents
    if at_start:  # the source moved by 8 frames and 50 audio latents
        assert torch.equal(xv[8:], src.xv) and torch.equal(xa[50:], src.xa)
    else:
        assert torch.equal(xv[:16], src.xv) and torch.equal(xa[:100], src.xa[:100])


def test_remix_at_strength_0_is_the_source_and_at_1_a_fresh_generation(local_stages, tiny, source):
    result, src = source
    same = edit(local_stages, tiny, src, EditSpec("remix", strength=0.0), "a green cube")
    assert torch.equal(same.latents[0], src.xv) and torch.equal(same.latents[1], src.xa)
    assert same.mp4 == result.mp4
    remix = edit(local_stages, tiny, src, EditSpec("remix", strength=1.0), "a green cube", seed=5)
    fresh = prepare(GenerationRequest("a green cube", duration_s=2.0, seed=5, steps=STEPS), tiny)
    expected = asyncio.run(generate(fresh.plan, fresh.options, local_stages, tiny))
    assert remix.mp4 == expected.mp4 and torch.equal(remix.latents[0], expected.latents[0])


def test_an_edit_resumes_from_its_saved_loop_state(local_stages, tiny, source):
    _, src = source
    spec = EditSpec("retake", start_s=0.5, end_s=1.5)
    request = GenerationRequest("a blue cube", seed=2, steps=STEPS)
    prepared = prepare_edit(request, spec, src.meta, tiny, 60.0)
    states = []

    async def keep(state):
        states.append(state)

    whole = asyncio.run(generate_edit(prepared, src, local_stages, tiny, on_step=keep))
    resumed = asyncio.run(generate_edit(prepared, src, local_stages, tiny, resume=states[1]))
    assert resumed.mp4 == whole.mp4


def test_previews_come_every_few_steps_and_change_nothing(local_stages, tiny, source):
    _, src = source
    previews = []

    async def keep(preview):
        previews.append(preview)

    plain = edit(local_stages, tiny, src, EditSpec("remix", strength=1.0), PROMPT)
    watched = edit(
        local_stages, tiny, src, EditSpec("remix", strength=1.0), PROMPT,
        preview_every=2, on_preview=keep,
    )  # fmt: skip
    assert watched.mp4 == plain.mp4 and [p.step for p in previews] == [2, 4]
    with av.open(io.BytesIO(previews[0].jpeg)) as container:
        sprite = next(container.decode(video=0))
    assert previews[0].frames == 8 and (sprite.width, sprite.height) == (8 * 48, 48)
    assert watched.stage_seconds["preview"] > 0


def test_an_uploaded_mp4_is_encoded_and_kept_outside_the_span(local_stages, tiny, source):
    result, _ = source
    seconds = probe_upload(result.mp4, limits_for(tiny), 60.0)
    assert seconds == pytest.approx(2.0)
    xv, xa = asyncio.run(local_stages.encode_source(result.mp4, 8, 64, 64, 16000))
    assert xv.shape == (16, 8, 16, 16) and xa.shape == (101, tiny.audio_codec.channels)
    upload = SourceLatents(upload_meta(seconds, tiny, "a ball"), xv, xa)
    out = edit(local_stages, tiny, upload, EditSpec("retake", start_s=1.0), "a blue cube")
    assert torch.equal(out.latents[0][:8], xv[:8]) and not torch.equal(out.latents[0][8:], xv[8:])


@pytest.mark.parametrize(
    ("spec", "prompt", "field"),
    [
        (dict(kind="retake", start_s=1.0, end_s=2.5), "", "edit.end_s"),
        (dict(kind="retake", start_s=1.5, end_s=1.0), "", "edit.end_s"),
        (dict(kind="retake", start_s=0.3), "", "edit.start_s"),
        (dict(kind="retake", video=False, audio=False), "", "edit.video"),
        (dict(kind="extend", seconds=59.0), "", "edit.seconds"),
        (dict(kind="extend", seconds=0.25, at_start=True), "", "edit.seconds"),
        (dict(kind="remix", strength=1.5), "x", "edit.strength"),
        (dict(kind="remix"), " ", "prompt"),
        (dict(kind="crop"), "", "edit.kind"),
    ],
)
def test_bad_edits_name_their_field(tiny, source, spec, prompt, field):
    _, src = source
    with pytest.raises(ScriptError) as caught:
        prepare_edit(GenerationRequest(prompt), EditSpec(**spec), src.meta, tiny, 60.0)
    assert caught.value.field == field


def test_a_file_that_is_not_a_video_names_the_upload_field(tiny):
    with pytest.raises(ScriptError) as caught:
        probe_upload(b"\0" * 64, limits_for(tiny), 60.0)
    assert caught.value.field == "edit.source_mp4"
