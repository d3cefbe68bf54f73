"""LTX-2's per-step wire cost between the Orchestrator and the JointStage, at the published
sizes: the bytes of one velocity request and the time to build, serialize and parse it (both
ends), with the text tokens sent (a job's first step, or a replica that lacks them) against
the conditioning cache's key-only request (every later step). Random tensors of the published
shapes (Gemma 3 12B -> connectors: 1024 tokens, 4096 video / 2048 audio wide, bf16; latents
128 channels, float32); nothing is downloaded or run.

    python -m bench.ltx2_wire [--repeats N]      # results: bench/results/ltx2_wire.json
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from bench.common import RESULTS_DIR, Stats
from reelflow.pipeline.ltx2.stages import LTX2Cond, LTX2Grid, LTX2Guidance
from reelflow.services.deployments import ltx2_wire
from reelflow.services.deployments.cond_cache import cond_key
from reelflow.services.deployments.wire import tensor_from_proto, tensor_to_proto
from reelflow.v1 import ltx2_stages_pb2 as pb

SIZES = (("768x512x121", 768, 512, 121), ("1920x1088x121", 1920, 1088, 121))
TEXT_TOKENS, VIDEO_WIDTH, AUDIO_WIDTH, CHANNELS = 1024, 4096, 2048, 128


def inputs(width: int, height: int, frames: int):
    grid = LTX2Grid(frames, height, width, 24.0, (frames - 1) // 8 + 1, height // 32,
                    width // 32, round(frames / 24 * 25), 64)  # fmt: skip
    # the packed video latents as the library lays them out: a channel-major view
    xv = torch.randn(1, CHANNELS, grid.video_tokens).transpose(1, 2)
    xa = torch.randn(1, grid.audio_frames, CHANNELS)
    cond = LTX2Cond(
        torch.randn(2, TEXT_TOKENS, VIDEO_WIDTH).to(torch.bfloat16),
        torch.randn(2, TEXT_TOKENS, AUDIO_WIDTH).to(torch.bfloat16),
        torch.ones(2, TEXT_TOKENS, dtype=torch.int64),
    )
    return grid, xv, xa, cond


def request(grid, xv, xa, message, key, with_cond: bool) -> bytes:
    built = pb.LTX2VelocityRequest(
        xv=tensor_to_proto(xv),
        xa=tensor_to_proto(xa),
        step=3,
        steps=30,
        grid=ltx2_wire.grid_to_proto(grid),
        guidance=ltx2_wire.guidance_to_proto(LTX2Guidance()),
        cond_key=key,
    )
    if with_cond:
        built.cond.CopyFrom(message)
    return built.SerializeToString()


def parse(data: bytes) -> None:
    m = pb.LTX2VelocityRequest.FromString(data)
    tensor_from_proto(m.xv), tensor_from_proto(m.xa)
    if m.HasField("cond"):
        ltx2_wire.cond_from_proto(m.cond)


def timed(fn, repeats: int) -> Stats:
    fn()  # warm-up
    values = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        values.append(time.perf_counter() - began)
    return Stats.of(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ltx2_wire", description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    rows, data = [], {}
    for name, width, height, frames in SIZES:
        grid, xv, xa, cond = inputs(width, height, frames)
        message = ltx2_wire.cond_to_proto(cond)
        key = cond_key(message)
        cells = {}
        for label, with_cond in (("text tokens sent", True), ("key only (cached)", False)):
            call = (grid, xv, xa, message, key, with_cond)
            cost = timed(lambda call=call: parse(request(*call)), args.repeats)
            cells[label] = {"bytes": len(request(*call)), "build_and_parse_s": cost}
        sent, cached = cells["text tokens sent"], cells["key only (cached)"]
        rows.append(
            (
                name,
                f"{sent['bytes'] / 1e6:.1f} MB",
                f"{cached['bytes'] / 1e6:.1f} MB",
                f"{sent['bytes'] / cached['bytes']:.1f}x",
                sent["build_and_parse_s"].ms(),
                cached["build_and_parse_s"].ms(),
                f"{sent['build_and_parse_s'].median / cached['build_and_parse_s'].median:.1f}x",
            )
        )
        data[name] = cells
    header = ("size", "sent", "cached", "bytes ratio", "ms sent", "ms cached", "time ratio")
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nms: build + serialize + parse of one request, median (min–max) of {args.repeats}")
    out = RESULTS_DIR / "ltx2_wire.json"
    out.write_text(json.dumps(_plain(data), indent=1) + "\n")
    print(f"wrote {out}")
    return 0


def _plain(value):
    if isinstance(value, Stats):
        return {"median": value.median, "min": value.min, "max": value.max}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


if __name__ == "__main__":
    raise SystemExit(main())
