"""Codec training: a short run lowers the loss, resumes, and exports standardised weights."""

import numpy as np
import pytest
import torch

from reelflow.lab.training.codec import CodecTrainConfig, CodecTrainer, render_frame_pool
from reelflow.pipeline.model.presets import get_preset
from reelflow.pipeline.model.video_autoencoder import VideoCodec
from reelflow.pipeline.model.weights import load_weights

SMALL = dict(clips=4, frames_per_clip=3, crop=16, batch=4, warmup=1, lr=3e-3, threads=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = tmp_path_factory.mktemp("codec")
    trainer = CodecTrainer(CodecTrainConfig(**SMALL), run)
    losses = [trainer.train_step()["l1"] for _ in range(30)]
    trainer.fit_statistics()
    trainer.save()
    trainer.export()
    return trainer, losses, run


def test_the_pool_holds_world_frames_and_reference_media():
    pool = render_frame_pool(clips=6, frames_per_clip=2, seed=3)
    assert pool.dtype == np.uint8 and pool.shape[1:] == (64, 64, 3)
    assert len(pool) >= 12
    assert len(np.unique(pool.reshape(len(pool), -1), axis=0)) == len(pool)


def test_a_short_run_lowers_the_loss(trained):
    _, losses, _ = trained
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])


def test_the_run_resumes_and_exports_standardised_latents(trained):
    trainer, _, run = trained
    resumed = CodecTrainer(CodecTrainConfig(**SMALL), run)
    assert resumed.step == trainer.step == 30
    codec = VideoCodec(get_preset("tiny").video_codec)
    assert load_weights(codec, trainer.weights_path, "codec.")
    frames = torch.from_numpy(trainer.pool).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        z = codec.encode(frames)
    # fitted on this pool (exported in fp16): zero mean and unit spread per channel
    assert z.mean(dim=(0, 2, 3)).abs().max() < 0.05
    assert ((z.std(dim=(0, 2, 3)) - 1).abs() < 0.05).all()


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        CodecTrainConfig(crop=4)


def test_a_timed_run_logs_saves_and_exports(tmp_path):
    trainer = CodecTrainer(CodecTrainConfig(**SMALL), tmp_path)
    records = []
    trainer.run(0.05, records.append)  # three seconds of wall time
    assert trainer.step >= 25 and records and records[-1]["step"] % 25 == 0
    assert (tmp_path / "codec_log.jsonl").read_text().count("\n") == len(records)
    assert trainer.state_path.exists() and trainer.weights_path.exists()
    assert CodecTrainer(CodecTrainConfig(**SMALL), tmp_path).step == trainer.step
