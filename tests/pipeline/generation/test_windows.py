"""Windowed branches: windows of the trained length tiling the clip, the tiling shifted by half
a window every other step so seams move, blended where windows meet the clip's ends."""

import torch

from reelflow.pipeline.generation.windows import blend, window_starts


def seams(starts: list[int], size: int, total: int) -> set[int]:
    """Frames f that no one window sees together with f - 1 (the hard edges between windows;
    where windows overlap, blending fades one into the other)."""
    return {f for f in range(1, total) if not any(s < f < s + size for s in starts)}


def test_windows_tile_the_clip_and_alternate_their_seams():
    assert window_starts(10, 16, 0) == window_starts(10, 16, 1) == [0]
    assert window_starts(32, 16, 0) == [0, 16]
    assert window_starts(32, 16, 1) == [0, 8, 16]
    assert window_starts(37, 16, 0) == [0, 16, 21]
    for total in range(17, 130):
        tilings = [window_starts(total, 16, phase) for phase in (0, 1)]
        for starts in tilings:
            covered = set().union(*(range(s, s + 16) for s in starts))
            assert covered == set(range(total)) and starts[-1] + 16 == total
            assert len(starts) <= -(-total // 16) + 1  # one pass over the clip, plus an end
        even, odd = (seams(starts, 16, total) for starts in tilings)
        assert not even & odd  # a hard seam never stays put from one step to the next
        assert len(even) >= total // 16 - 1  # (and the tiling really is side by side)
        assert window_starts(total, 16, 2) == tilings[0]


def test_blend_is_exact_on_agreeing_windows_and_weights_window_centres():
    total, size = 37, 16
    for phase in (0, 1):
        index = torch.stack([torch.arange(s, s + size) for s in window_starts(total, size, phase)])
        truth = torch.randn(total, 3)
        assert torch.allclose(blend(truth[index], index, total), truth, atol=1e-6)
    # where two windows disagree, the one whose centre is nearer wins more weight
    outputs = torch.stack([torch.zeros(size, 1), torch.ones(size, 1)])
    two = torch.stack([torch.arange(0, 16), torch.arange(8, 24)])
    mixed = blend(outputs, two, 24)[:, 0]
    assert mixed[7] == 0 and mixed[16] == 1
    assert 0 < mixed[9] < 0.5 < mixed[14] < 1


def test_long_clips_run_windowed_and_short_ones_in_one_pass(local_stages, tiny):
    from reelflow.pipeline.generation.request import GenerationRequest, prepare

    for seconds, windows in ((2.0, 1), (5.0, 3)):
        plan = prepare(GenerationRequest("a red ball", duration_s=seconds, seed=1), tiny).plan
        cond = local_stages.encoder.encode(plan)
        frames = plan.num_frames
        assert len(window_starts(frames, tiny.temporal_window, 0)) == windows
        xv = torch.randn(frames, tiny.video_codec.channels, 16, 16).half()
        xa = torch.randn(round(plan.num_samples / 320) + 1, tiny.audio_codec.channels).half()
        keyframes = torch.randn(len(plan.shots), tiny.video_codec.channels, 16, 16).half()
        for phase in (0, 1):
            v = local_stages.temporal.velocity(xv, xa, 0.5, cond, keyframes, 2.0, phase)
            a = local_stages.audio.velocity(xa, xv, 0.5, cond, 2.0, phase)
            assert v.shape == xv.shape and a.shape == xa.shape
            assert torch.isfinite(v.float()).all() and torch.isfinite(a.float()).all()
        if windows > 1:  # the two tilings see different windows, so they answer differently
            other = local_stages.temporal.velocity(xv, xa, 0.5, cond, keyframes, 2.0, 1)
            assert not torch.equal(
                v, local_stages.temporal.velocity(xv, xa, 0.5, cond, keyframes, 2.0, 0)
            )
            assert torch.equal(other, v)


def test_shot_starts_and_clip_positions_of_a_three_shot_clip():
    from reelflow.pipeline.generation.conditioning import clip_position, shot_starts

    shot_of_frame = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2])
    assert shot_starts(shot_of_frame).tolist() == [0, 3, 5]
    assert shot_starts(torch.zeros(4, dtype=torch.long)).tolist() == [0]
    assert clip_position(torch.tensor([0, 3, 8]), 9).tolist() == [0.0, 0.375, 1.0]
    assert clip_position(torch.tensor([0]), 1).tolist() == [0.0]  # a one-frame clip
