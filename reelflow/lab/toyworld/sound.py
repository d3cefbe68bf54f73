"""The soundtrack of a toy-world clip: 16 kHz mono, synthetic and deterministic per spec.

Speech is voiced syllables (a glottal harmonic series shaped by vowel formants) whose loudness
envelope is also what opens the face's mouth, so lip sync is exact by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from reelflow.lab.toyworld.spec import ClipSpec

BEEP_HZ = 2000.0
BEEP_S = 0.06
HUM_HZ = 110.0
TONE_HZ = 880.0
SYLLABLE_S = 0.2
WORD_GAP_S = 0.08
SPEECH_START_S = 0.2
VOWELS = ((700.0, 1200.0), (400.0, 2000.0), (300.0, 900.0), (550.0, 1700.0))  # (F1, F2)


@dataclass(frozen=True)
class Soundtrack:
    audio: np.ndarray  # (N,) float32 in [-1, 1]
    envelope: np.ndarray  # (N,) float64 in [0, 1]: speech loudness, zeros when nothing speaks


def expected_pitch(spec: ClipSpec) -> float | None:
    """The dominant frequency the audio class should show, None where it has no single pitch."""
    if spec.audio == "tone":
        return spec.audio_ref.freq_hz if spec.audio_ref else TONE_HZ
    return {"hum": HUM_HZ, "beep": BEEP_HZ}.get(spec.audio)


def tone(freq_hz: float, num_samples: int, sample_rate: int, amplitude: float = 0.25):
    t = np.arange(num_samples) / sample_rate
    return amplitude * np.sin(2 * np.pi * freq_hz * t)


def beeps(contacts_s: list[float], num_samples: int, sample_rate: int) -> np.ndarray:
    """A short decaying beep whose first sample is exactly at each contact time."""
    out = np.zeros(num_samples)
    length = int(BEEP_S * sample_rate)
    t = np.arange(length) / sample_rate
    attack = np.minimum(1.0, t / 0.001)  # 1 ms ramp: no click, onset still sharp
    shape = 0.6 * attack * np.exp(-t / 0.02) * np.sin(2 * np.pi * BEEP_HZ * t)
    for contact in contacts_s:
        start = round(contact * sample_rate)
        stop = min(num_samples, start + length)
        if 0 <= start < num_samples:
            out[start:stop] += shape[: stop - start]
    return out


def hum(num_samples: int, sample_rate: int) -> np.ndarray:
    t = np.arange(num_samples) / sample_rate
    parts = [(1, 0.3), (2, 0.12), (3, 0.06)]  # a mains-like hum: fundamental plus two harmonics
    return sum(a * np.sin(2 * np.pi * HUM_HZ * k * t) for k, a in parts)


def rain(num_samples: int, sample_rate: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 5])
    noise = rng.standard_normal(num_samples)
    swell = 0.85 + 0.15 * np.sin(2 * np.pi * 0.3 * np.arange(num_samples) / sample_rate)
    return np.clip(0.12 * noise * swell, -1, 1)


def syllable_counts(text: str) -> list[int]:
    """Vowel groups per word: a crude but deterministic syllable count."""
    words = re.findall(r"[a-zA-Z']+", text)
    return [max(1, len(re.findall(r"[aeiouy]+", word.lower()))) for word in words] or [1]


def speech(
    text: str, duration_s: float, sample_rate: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(audio, envelope), both (N,): voiced syllables for `text`, fitted into the clip."""
    n = round(duration_s * sample_rate)
    counts = syllable_counts(text)
    natural = sum(counts) * SYLLABLE_S + (len(counts) - 1) * WORD_GAP_S
    room = max(0.3, duration_s - SPEECH_START_S - 0.15)
    speed = min(1.0, room / natural)  # speak faster rather than run past the end
    rng = np.random.default_rng([seed, 6])
    envelope = np.zeros(n)
    f0 = np.full(n, 150.0)
    f1 = np.full(n, 600.0)
    f2 = np.full(n, 1400.0)
    t0 = SPEECH_START_S
    for count in counts:
        for _ in range(count):
            length = int(SYLLABLE_S * speed * sample_rate)
            start = round(t0 * sample_rate)
            stop = min(n, start + length)
            if start >= n:
                break
            phase = np.linspace(0, np.pi, length)[: stop - start]
            envelope[start:stop] = np.sin(phase) ** 2 * rng.uniform(0.7, 1.0)
            f0[start:stop] = rng.uniform(130, 180) - 15 * phase / np.pi  # falling pitch
            f1[start:stop], f2[start:stop] = VOWELS[int(rng.integers(len(VOWELS)))]
            t0 += SYLLABLE_S * speed
        t0 += WORD_GAP_S * speed
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voiced = np.zeros(n)
    for k in range(1, 24):
        freq = k * f0
        gain = np.exp(-(((freq - f1) / 150) ** 2)) + 0.5 * np.exp(-(((freq - f2) / 200) ** 2))
        voiced += (gain + 0.05 / k) * np.sin(k * phase)
    voiced /= max(1e-9, float(np.abs(voiced).max()))
    return 0.6 * envelope * voiced, envelope


def soundtrack(spec: ClipSpec, contacts: tuple[int, ...]) -> Soundtrack:
    n, sr = spec.num_samples, spec.sample_rate
    envelope = np.zeros(n)
    if spec.audio == "beep":
        audio = beeps([c / spec.fps for c in contacts], n, sr)
    elif spec.audio == "hum":
        audio = hum(n, sr)
    elif spec.audio == "tone":
        audio = tone(expected_pitch(spec) or TONE_HZ, n, sr)
    elif spec.audio == "rain":
        audio = rain(n, sr, spec.seed)
    elif spec.audio == "speech":
        audio, envelope = speech(spec.dialogue or "", spec.duration_s, sr, spec.seed)
    else:
        audio = np.zeros(n)
    return Soundtrack(np.clip(audio, -1, 1).astype(np.float32), envelope)


def per_frame_mean(signal: np.ndarray, fps: int, sample_rate: int, num_frames: int) -> np.ndarray:
    """(num_frames,) mean of `signal` over each frame's span of samples."""
    edges = np.round(np.arange(num_frames + 1) * sample_rate / fps).astype(int)
    edges = np.minimum(edges, len(signal))
    sums = np.concatenate([[0.0], np.cumsum(signal, dtype=np.float64)])
    widths = np.maximum(1, edges[1:] - edges[:-1])
    return (sums[edges[1:]] - sums[edges[:-1]]) / widths
