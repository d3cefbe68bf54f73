"""Training on the world: a short run learns, and a run resumes where it stopped."""

import pytest
import torch
from safetensors.torch import load_file

from reelflow.lab.training.branches import TrainConfig, Trainer, _split_optimizer
from reelflow.pipeline.generation.stages import MuxerStage, spatial_network, temporal_network
from reelflow.pipeline.model.weights import load_weights, merge_weights, save_weights

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
    assert scale.shape == (tiny.audio_codec.channels,) and bool((scale > 0).all())
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
    with pytest.raises(ValueError, match="subset"):
        TrainConfig(branches=("spatial", "lips"))
    with pytest.raises(ValueError, match="speech_weight"):
        TrainConfig(speech_weight=0.0)
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=0.0)
    with pytest.raises(ValueError, match="audio_ahead"):
        TrainConfig(audio_ahead=1.5)


def test_a_run_of_one_branch_trains_only_it_and_exports_only_it(tmp_path, tiny):
    trainer = Trainer(TrainConfig(**SMALL, branches=("spatial",)), tmp_path / "run", codec=None)
    before = {n: [p.clone() for p in net.parameters()] for n, net in trainer.nets.items()}
    assert set(trainer.train_step()) == {"spatial"}
    for name, net in trainer.nets.items():
        changed = any(
            not torch.equal(a, b) for a, b in zip(before[name], net.parameters(), strict=True)
        )
        assert changed == (name == "spatial"), name
    trainer.save()
    target = tmp_path / "shipped.safetensors"
    save_weights({"spatial.": spatial_network(tiny), "temporal.": temporal_network(tiny)}, target)
    old_temporal = load_file(str(target))["temporal.embed.weight"]
    merge_weights(tmp_path / "run" / "weights.safetensors", target, trainer.exported_prefixes)
    merged = load_file(str(target))
    assert torch.equal(merged["temporal.embed.weight"], old_temporal)  # kept
    ema = trainer.emas["spatial"].state_dict()["embed.weight"].half()
    assert torch.equal(merged["spatial.embed.weight"], ema)  # replaced
    assert "audio_codec.bin_scale" in merged and not any(k.startswith("audio.") for k in merged)


def test_a_state_with_one_optimizer_for_all_nets_resumes_per_net():
    nets = {"a": torch.nn.Linear(3, 2), "b": torch.nn.Linear(2, 4)}
    joint = torch.optim.AdamW([p for n in nets.values() for p in n.parameters()], lr=0.1)
    sum(n(torch.ones(1, n.in_features)).sum() for n in nets.values()).backward()
    joint.step()
    split = _split_optimizer(joint.state_dict(), nets)
    for name, net in nets.items():
        alone = torch.optim.AdamW(net.parameters(), lr=0.1)
        alone.load_state_dict(split[name])
        for param in net.parameters():
            assert torch.equal(alone.state[param]["exp_avg"], joint.state[param]["exp_avg"])


def test_speaking_clips_are_found_and_drawn_more_often(trained):
    trainer, _, _ = trained
    keys = trainer.cache.keys(trainer.loaded)
    assert len(keys) == len(trainer.pool) == len(trainer.clip_weights)
    for key, example in zip(keys, trainer.pool, strict=True):
        spec = trainer.maker.spec(trainer.cache.example_rng(key))  # redone, not rendered
        assert spec.num_frames == example.video.shape[0]
        assert len(spec.shots) == example.cond.num_shots
        weight = trainer.clip_weights[keys.index(key)]
        assert weight == (trainer.config.speech_weight if spec.action == "speak" else 1.0)
    # over more keys than the pool holds: both kinds occur (about a tenth of clips speak)
    weights = trainer._clip_weights(list(range(20)))
    assert len(weights) == 20 * trainer.cache.shard_size
    assert 0.02 < (weights == trainer.config.speech_weight).mean() < 0.3
