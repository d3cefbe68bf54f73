"""Time masks: 0 outside a span exactly, 1 inside, a feathered ramp where the span meets kept
content, none at the clip's ends."""

import torch

from reelflow.pipeline.editing.masks import audio_positions, span_mask, video_positions


def test_a_span_in_the_middle_ramps_in_and_out():
    mask = span_mask(video_positions(16, 8), 0.5, 1.5, 2.0, feather=0.25)
    assert mask[:4].eq(0).all() and mask[12:].eq(0).all()
    assert torch.allclose(mask[4:12], torch.tensor([1 / 3, 2 / 3, 1, 1, 1, 1, 2 / 3, 1 / 3]))


def test_a_span_at_the_clip_end_has_no_ramp_there():
    mask = span_mask(video_positions(16, 8), 1.0, float("inf"), 2.0, feather=0.25)
    assert mask[:8].eq(0).all() and mask[10:].eq(1).all() and 0 < mask[8] < mask[9] < 1


def test_no_feather_is_a_hard_edge_and_audio_positions_are_mdct_centres():
    positions = audio_positions(101, 320, 16000)
    assert positions[50] == 1.0  # frame j is centred on sample j * hop
    mask = span_mask(positions, 0.5, 1.5, 2.0, feather=0.0)
    assert set(mask.unique().tolist()) == {0.0, 1.0} and int(mask.sum()) == 50
