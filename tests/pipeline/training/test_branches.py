"""Training on the world: a short run learns, and a run resumes where it stopped."""

import pytest
import torch

from reelflow.pipeline.generation.stages import MuxerStage, spatial_network
from reelflow.pipeline.model.weights import load_weights
from reelflow.pipeline.training.branches import TrainConfig, Trainer

SMALL = dict(
    pool=6,
    shard_size=6,
    frame_batch=6,
    clip_batch=2,
    refresh_every=1000,
    warmup=1,
    lr=2e-3,
    threads=1,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = tmp_path_factory.mktemp("run")
    trainer = Trainer(TrainConfig(**SMALL), run, codec=None)
    losses = [sum(trainer.train_step().values()) for _ in range(16)]
    trainer.save()
    return trainer, losses, run


def test_a_short_run_lowers_the_loss(trained):
    _, losses, _ = trained
    assert sum(losses[-4:]) / 4 < 0.9 * sum(losses[:4]) / 4


def test_a_run_resumes_its_step_and_weights_and_exports_ema(trained, tiny):
    trainer, _, run = trained
    resumed = Trainer(TrainConfig(**SMALL), run, codec=None)
    assert resumed.step == trainer.step == 16
    for a, b in zip(
        resumed.nets["temporal"].parameters(), trainer.nets["temporal"].parameters(), strict=True
    ):
        assert torch.equal(a, b)
    exported = spatial_network(tiny)
    assert load_weights(exported, run / "weights.safetensors", "spatial.")
    ema = trainer.emas["spatial"].state_dict()
    for name, value in exported.state_dict().items():
        assert torch.allclose(value, ema[name].half().float())


def test_the_audio_latent_scale_is_fitted_kept_and_read_by_the_muxer(trained, tiny):
    trainer, _, run = trained
    scale = trainer.audio_bin_scale
    assert scale.shape == (tiny.audio_codec.bins,) and bool((scale > 0).all())
    assert float(scale.max() / scale.min()) > 2  # fitted per bin, not one constant
    assert torch.equal(Trainer(TrainConfig(**SMALL), run, codec=None).audio_bin_scale, scale)
    muxer = MuxerStage(tiny, run / "weights.safetensors")
    assert torch.equal(muxer.audio_codec.bin_scale, scale)
    assert torch.equal(MuxerStage(tiny, None).audio_codec.bin_scale, torch.ones_like(scale))


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        TrainConfig(dropout=1.5)
    with pytest.raises(ValueError):
        TrainConfig(pool=2, frame_batch=8)
