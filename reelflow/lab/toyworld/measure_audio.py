"""Soundtrack measurements: loudness, spectrum shape, dominant pitch, onsets, per-frame envelope.

Audio classes are told apart by three numbers: spectral flatness (noise vs tones), loudness
variability across frames (beeps and syllables vs steady sounds) and the dominant frequency
(low hum vs high tone, beeps at 2 kHz vs voiced speech below it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reelflow.lab.toyworld.sound import per_frame_mean

SILENT_RMS = 0.003
NOISY_FLATNESS = 0.3
VARIABLE_CV = 0.4
HUM_MAX_HZ = 300.0
BEEP_MIN_HZ = 1200.0
WINDOW = 4096  # spectrum frames: 3.9 Hz bins at 16 kHz


@dataclass(frozen=True, eq=False)
class AudioMeasure:
    rms: float
    flatness: float  # geometric / arithmetic mean of the power spectrum, 100 Hz..6 kHz
    variability: float  # coefficient of variation of per-frame loudness
    dominant_hz: float
    onsets_s: tuple[float, ...]  # starts of loud events (bounce beeps)
    frame_rms: np.ndarray  # (T,) loudness per video frame


def power_spectrum(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(freqs, mean power) over Hann-windowed frames (Welch), robust to where events fall."""
    window = min(WINDOW, max(256, len(audio)))
    padded = np.zeros(max(window, len(audio)))
    padded[: len(audio)] = audio
    hop = window // 2
    starts = range(0, max(1, len(padded) - window + 1), hop)
    taper = np.hanning(window)
    power = np.mean([np.abs(np.fft.rfft(padded[s : s + window] * taper)) ** 2 for s in starts], 0)
    return np.fft.rfftfreq(window, 1.0 / sample_rate), power


def dominant_frequency(freqs: np.ndarray, power: np.ndarray, low: float = 60.0) -> float:
    """Peak frequency, refined by a parabola through the peak bin and its neighbours."""
    band = np.flatnonzero((freqs >= low) & (freqs <= 7000))
    k = int(band[np.argmax(power[band])])
    if 0 < k < len(power) - 1:
        a, b, c = np.log(power[k - 1 : k + 2] + 1e-20)
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
        return float(freqs[k] + shift * (freqs[1] - freqs[0]))
    return float(freqs[k])


def onsets(audio: np.ndarray, sample_rate: int, refractory_s: float = 0.1) -> tuple[float, ...]:
    """Times where the 2 ms energy envelope rises through 20% of its peak."""
    if not len(audio):
        return ()
    width = max(1, int(0.002 * sample_rate))
    energy = np.convolve(audio.astype(np.float64) ** 2, np.ones(width) / width, mode="same")
    peak = float(energy.max())
    if peak <= 0:
        return ()
    above = energy > 0.2 * peak
    rising = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    times: list[float] = []
    for index in rising:
        t = index / sample_rate
        if not times or t - times[-1] >= refractory_s:
            times.append(t)
    return tuple(times)


def measure_audio(audio: np.ndarray, sample_rate: int, fps: float, num_frames: int):
    audio = np.asarray(audio, dtype=np.float64)
    rms = float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0
    freqs, power = power_spectrum(audio, sample_rate)
    band = (freqs >= 100) & (freqs <= 6000)
    p = power[band] + 1e-20
    flatness = float(np.exp(np.mean(np.log(p))) / np.mean(p))
    frame_rms = np.sqrt(per_frame_mean(audio**2, fps, sample_rate, num_frames))
    mean = float(frame_rms.mean())
    variability = float(frame_rms.std() / mean) if mean > 0 else 0.0
    return AudioMeasure(
        rms=rms,
        flatness=flatness,
        variability=variability,
        dominant_hz=dominant_frequency(freqs, power),
        onsets_s=onsets(audio, sample_rate),
        frame_rms=frame_rms,
    )


def classify_audio(m: AudioMeasure) -> str:
    if m.rms < SILENT_RMS:
        return "silence"
    if m.flatness > NOISY_FLATNESS:
        return "rain"
    if m.variability > VARIABLE_CV:
        return "beep" if m.dominant_hz >= BEEP_MIN_HZ else "speech"
    return "hum" if m.dominant_hz < HUM_MAX_HZ else "tone"
