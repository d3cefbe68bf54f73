"""Windowed branches: overlapping windows of the trained length, blended without seams."""

import torch

from reelflow.pipeline.stages import blend, window_starts


def test_windows_cover_the_clip_with_half_overlap():
    assert window_starts(10, 16) == [0]
    assert window_starts(32, 16) == [0, 8, 16]
    assert window_starts(37, 16) == [0, 8, 16, 21]
    for total in range(16, 80):
        starts = window_starts(total, 16)
        covered = set().union(*(range(s, s + 16) for s in starts))
        assert covered == set(range(total)) and starts[-1] + 16 == total


def test_blend_is_exact_on_agreeing_windows_and_weights_window_centres():
    total, size = 37, 16
    starts = window_starts(total, size)
    index = torch.stack([torch.arange(s, s + size) for s in starts])
    truth = torch.randn(total, 3)
    assert torch.allclose(blend(truth[index], index, total), truth, atol=1e-6)
    # where two windows disagree, the one whose centre is nearer wins more weight
    outputs = torch.stack([torch.zeros(size, 1), torch.ones(size, 1)])
    two = torch.stack([torch.arange(0, 16), torch.arange(8, 24)])
    mixed = blend(outputs, two, 24)[:, 0]
    assert mixed[7] == 0 and mixed[16] == 1
    assert 0 < mixed[9] < 0.5 < mixed[14] < 1


def test_long_clips_run_windowed_and_short_ones_in_one_pass(local_stages, tiny):
    from reelflow.pipeline.request import GenerationRequest, prepare

    for seconds, windows in ((2.0, 1), (5.0, 4)):
        plan = prepare(GenerationRequest("a red ball", duration_s=seconds, seed=1), tiny).plan
        cond = local_stages.encoder.encode(plan)
        frames = plan.num_frames
        assert len(window_starts(frames, tiny.temporal_window)) == windows
        xv = torch.randn(frames, 12, 16, 16).half()
        xa = torch.randn(round(plan.num_samples / 320) + 1, 80).half()
        keyframes = torch.randn(len(plan.shots), 12, 16, 16).half()
        v = local_stages.temporal.velocity(xv, xa, 0.5, cond, keyframes, 2.0)
        a = local_stages.audio.velocity(xa, xv, 0.5, cond, 2.0)
        assert v.shape == xv.shape and a.shape == xa.shape
        assert torch.isfinite(v.float()).all() and torch.isfinite(a.float()).all()
