"""Resizing the audio latent keeps what trained networks compute on the bins they had."""

import torch
import torch.nn.functional as F

from reelflow.lab.training.resize_audio import resize_net
from reelflow.pipeline.model.audio_flow import AudioFlow
from reelflow.pipeline.model.temporal_rayflow import TemporalRayFlow
from reelflow.pipeline.model.weights import seeded_init
from tests.pipeline.model.test_networks import CONFIG, C, audio_inputs, temporal_inputs

OLD, NEW = 20, 32


def _pair(cls, args_of_bins):
    old = cls(CONFIG, *args_of_bins(OLD)).eval()
    seeded_init(old, 4)  # non-zero gates too: every path counts
    new = cls(CONFIG, *args_of_bins(NEW)).eval()
    branch = "audio" if cls is AudioFlow else "temporal"
    new.load_state_dict(resize_net(branch, old.state_dict(), NEW))
    return old, new


def test_audio_branch_widened_gives_the_same_velocity_and_zero_on_new_bins():
    old, new = _pair(AudioFlow, lambda bins: (bins, C))
    inputs = audio_inputs()
    sound = torch.randn(1, 3, OLD, generator=torch.Generator().manual_seed(6))
    inputs |= {"sound": sound, "sound_mask": torch.ones(1, 3, dtype=torch.bool)}
    wide = inputs | {
        "x": F.pad(inputs["x"], (0, NEW - OLD)),
        "sound": F.pad(sound, (0, NEW - OLD)),  # a reference's latent, widened the same way
    }
    with torch.no_grad():
        before, after = old(**inputs), new(**wide)
    assert before.abs().mean() > 1e-3
    torch.testing.assert_close(after[..., :OLD], before, rtol=1e-5, atol=1e-6)
    assert after[..., OLD:].abs().max() == 0


def test_temporal_branch_widened_reads_the_same_audio():
    old, new = _pair(TemporalRayFlow, lambda bins: (C, bins))
    inputs = temporal_inputs()
    wide = inputs | {"audio": F.pad(inputs["audio"], (0, NEW - OLD))}
    with torch.no_grad():
        before, after = old(**inputs), new(**wide)
    torch.testing.assert_close(after, before, rtol=1e-5, atol=1e-6)
    # and the audio does reach it: other audio, other velocity
    other = wide | {"audio": torch.randn_like(wide["audio"])}
    with torch.no_grad():
        assert (new(**other) - after).abs().max() > 1e-4


def test_narrowing_a_widened_net_gives_it_back():
    old, new = _pair(AudioFlow, lambda bins: (bins, C))
    back = resize_net("audio", new.state_dict(), OLD)
    for name, value in old.state_dict().items():
        assert torch.equal(back[name], value), name
