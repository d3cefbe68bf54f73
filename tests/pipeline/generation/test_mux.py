import numpy as np
import pytest

from reelflow.pipeline.generation.mux import decode_mp4, encode_mp4
from tests.conftest import assert_valid_mp4


def clip(fps=8, frames=24, sample_rate=16000):
    video = np.zeros((frames, 48, 64, 3), np.uint8)
    video[frames // 2 :] = 255  # a cut to white half way
    audio = np.zeros(frames * sample_rate // fps, np.float32)
    onset = (frames // 2) * sample_rate // fps
    tone = np.sin(np.arange(400) * 2 * np.pi * 1000 / sample_rate)
    audio[onset : onset + 400] = 0.8 * tone
    return video, audio, onset


@pytest.mark.parametrize(("fps", "sample_rate"), [(8, 16000), (24, 48000)])
def test_mp4_streams_checked_by_ffprobe(tmp_path, fps, sample_rate):
    video, audio, _ = clip(fps, 3 * fps, sample_rate)
    path = tmp_path / "clip.mp4"
    path.write_bytes(encode_mp4(video, audio, fps, sample_rate))
    assert_valid_mp4(path, seconds=3.0, fps=fps, width=64, height=48, sample_rate=sample_rate)


def test_audio_is_sample_aligned_with_video():
    # AAC priming would otherwise play the sound 1024 samples (64 ms) late
    video, audio, onset = clip()
    decoded = decode_mp4(encode_mp4(video, audio, 8, 16000))
    heard = int(np.argmax(np.abs(decoded.audio) > 0.2))
    seen = int(np.argmax(decoded.frames.mean(axis=(1, 2, 3)) > 128))
    assert abs(heard - onset) <= 16  # within 1 ms
    assert seen == 12
    assert decoded.frames.shape == video.shape


def test_rejects_odd_sizes_and_wrong_dtypes():
    with pytest.raises(ValueError, match="even"):
        encode_mp4(np.zeros((2, 15, 16, 3), np.uint8), np.zeros(100, np.float32), 8, 16000)
    with pytest.raises(ValueError, match="uint8"):
        encode_mp4(np.zeros((2, 16, 16, 3), np.float32), np.zeros(100, np.float32), 8, 16000)
