"""`reelflow train [codec|cache|branches]`: the tiny model on the synthetic world.

`codec` trains the video autoencoder; `cache` renders and encodes world clips into the latent
cache (can run beside a branch run, which picks up new shards); `branches` (the default) trains
the three networks on the cache. Every run resumes from its own state in --run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from reelflow.pipeline.model.weights import DEFAULT_CHECKPOINT, merge_weights


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("train", help="train the codec and branches on the toy world")
    parser.add_argument(
        "what", nargs="?", default="branches", choices=("branches", "codec", "cache")
    )
    parser.add_argument("--run", type=Path, default=Path("runs/tiny"), help="run directory")
    parser.add_argument("--minutes", type=float, default=90.0, help="wall-clock budget")
    parser.add_argument("--pool", type=int, default=1000, help="clips the cache holds at least")
    parser.add_argument("--count", type=int, default=20_000, help="clips `cache` builds up to")
    parser.add_argument("--cache", type=Path, help="latent cache directory (default RUN/cache)")
    parser.add_argument(
        "--codec",
        type=Path,
        default=DEFAULT_CHECKPOINT,
        help="checkpoint with the trained codec (default: the shipped one)",
    )
    parser.add_argument("--init-from", type=Path, help="checkpoint whose branches start a new run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--check",
        type=int,
        metavar="N",
        help="codec: after training, score N held-out clips as rendered and after the round trip",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument(
        "--lr", type=float, default=5e-4, help="peak learning rate (a resumed run takes it too)"
    )
    parser.add_argument(
        "--branches",
        default="spatial,temporal,audio",
        help="comma-separated networks this run trains (two runs can split the cores)",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help=f"write the run's EMA branches (and codecs) into {DEFAULT_CHECKPOINT}",
    )
    return parser


class ProgressLine:
    """One line per log record on stderr: step, the smoothed losses, speed and time left."""

    def __init__(self, minutes: float):
        self.began, self.budget = time.monotonic(), minutes * 60

    def __call__(self, record: dict) -> None:
        elapsed = time.monotonic() - self.began
        losses = " ".join(f"{k}={v:.4f}" for k, v in record.items() if k not in ("step", "seconds"))
        left = max(0.0, self.budget - elapsed) / 60
        print(
            f"step {record['step']:6d} {elapsed:7.0f}s {losses}  ETA {left:5.1f} min",
            file=sys.stderr,
            flush=True,
        )


def run(args: argparse.Namespace) -> int:
    if args.what == "codec":
        from reelflow.lab.training.codec import CodecTrainConfig, CodecTrainer

        trainer = CodecTrainer(CodecTrainConfig(seed=args.seed, threads=args.threads), args.run)
        print(f"codec from step {trainer.step} for {args.minutes:g} min in {args.run}", flush=True)
        if args.minutes > 0:
            trainer.run(args.minutes, ProgressLine(args.minutes))
        else:  # only (re)export the saved state
            trainer.fit_statistics()
            trainer.export()
        print(f"wrote {trainer.weights_path}")
        if args.check:
            _print_round_trip(trainer.weights_path, args.check, args.seed)
        return 0
    from reelflow.lab.training.branches import TrainConfig, Trainer

    if args.what == "cache":
        return _build_cache(args, TrainConfig(pool=args.pool, seed=args.seed))
    try:
        branches = tuple(name.strip() for name in args.branches.split(",") if name.strip())
        config = TrainConfig(
            pool=args.pool, seed=args.seed, threads=args.threads, branches=branches, lr=args.lr
        )
    except ValueError as error:
        print(f"reelflow train: {error}", file=sys.stderr)
        return 2
    trainer = Trainer(config, args.run, args.codec, args.cache, args.init_from)
    print(
        f"training from step {trainer.step} for {args.minutes:g} min in {args.run} "
        f"({len(trainer.pool)} cached clips)",
        flush=True,
    )
    trainer.run(args.minutes, ProgressLine(args.minutes))
    if args.export:
        merge_weights(
            args.run / "weights.safetensors", DEFAULT_CHECKPOINT, trainer.exported_prefixes
        )
        print(f"exported {', '.join(trainer.exported_prefixes)} into {DEFAULT_CHECKPOINT}")
    return 0


def _print_round_trip(weights: Path, count: int, seed: int) -> None:
    import json

    from reelflow.lab.training.codec import round_trip_scores
    from reelflow.pipeline.generation.stages import video_codec
    from reelflow.pipeline.model.audio_codec import AudioCodec
    from reelflow.pipeline.model.presets import get_preset

    preset = get_preset("tiny")  # the audio round trip is linear: its bin scale cancels
    codecs = video_codec(preset, weights), AudioCodec(preset.audio_codec)
    report = round_trip_scores(*codecs, count, seed)
    print(json.dumps(report, indent=1))


def _build_cache(args: argparse.Namespace, config) -> int:
    import torch

    from reelflow.lab.training.examples import ExampleMaker
    from reelflow.lab.training.latent_cache import LatentCache
    from reelflow.pipeline.generation.stages import PromptEncoderStage
    from reelflow.pipeline.model.presets import get_preset

    preset = get_preset(config.preset)
    maker = ExampleMaker(preset, PromptEncoderStage(preset, args.codec), config.fps)
    torch.set_num_threads(args.threads)
    cache = LatentCache(args.cache or args.run / "cache", config.seed, config.shard_size)
    began = time.monotonic()

    def report(done: int, total: int) -> None:
        rate = (time.monotonic() - began) / done
        print(f"shard {done}/{total}  ETA {rate * (total - done) / 60:.1f} min", file=sys.stderr)

    cache.build(maker, args.count, report)
    return 0
