"""What the HTTP API tests share: API keys on disk, the real openai SDK client, stages that
count denoising steps, and a small PNG to upload."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import openai
import yaml

from reelflow.services.jobs.auth import hash_key

KEY = "http-test-secret"
READ_ONLY_KEY = "http-read-only"
SMALL_KEY = "http-small"
PROMPT = "[0-1s] close-up of a red ball bouncing, a beep [1-2s] wide shot of the ball, quiet hum"


def write_keys(path: Path) -> Path:
    keys = [
        {"name": "tester", "sha256": hash_key(KEY)},
        {"name": "reader", "sha256": hash_key(READ_ONLY_KEY), "read_only": True},
        {"name": "small", "sha256": hash_key(SMALL_KEY), "max_active_jobs": 1},
    ]
    path.write_text(yaml.safe_dump({"keys": keys}))
    return path


def sdk(base_url: str, key: str = KEY) -> openai.OpenAI:
    # max_retries=0: a test sees each answer, not the SDK's retries of 429/5xx
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=60)


def png(width: int = 64, height: int = 64) -> bytes:
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    image = np.stack([np.tile(ramp, (height, 1))] * 3, axis=-1)
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "rgb24"
    packets = codec.encode(av.VideoFrame.from_ndarray(image, format="rgb24")) + codec.encode(None)
    return b"".join(bytes(p) for p in packets)


class CountingStages:
    """The real stages; counts temporal velocity calls (one per denoising step)."""

    def __init__(self, stages):
        self._stages = stages
        self.steps = 0

    def __getattr__(self, name: str):
        return getattr(self._stages, name)

    async def temporal_velocity(self, *args, **kwargs):
        self.steps += 1
        return await self._stages.temporal_velocity(*args, **kwargs)


def image_frames(data: bytes) -> tuple[str, int, int]:
    """(codec, width, height) of an encoded image, read back by FFmpeg."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        return stream.codec_context.name, frame.width, frame.height
