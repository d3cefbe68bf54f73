"""`reelflow train`: train the tiny branches on the synthetic world (resumes from --run)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from reelflow.pipeline.model.weights import DEFAULT_CHECKPOINT


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("train", help="train the branches on the synthetic world")
    parser.add_argument("--run", type=Path, default=Path("runs/tiny"), help="run directory")
    parser.add_argument("--minutes", type=float, default=90.0, help="wall-clock budget")
    parser.add_argument("--pool", type=int, default=1000, help="examples held in memory")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (1 on a busy box)")
    parser.add_argument(
        "--export", action="store_true", help=f"copy the EMA weights to {DEFAULT_CHECKPOINT}"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from reelflow.pipeline.training.branches import TrainConfig, Trainer

    trainer = Trainer(TrainConfig(pool=args.pool, seed=args.seed, threads=args.threads), args.run)
    print(f"training from step {trainer.step} for {args.minutes:g} min in {args.run}", flush=True)

    def log(record: dict) -> None:
        losses = " ".join(f"{k}={v:.4f}" for k, v in record.items() if k not in ("step", "seconds"))
        print(
            f"step {record['step']:6d} {record['seconds']:8.0f}s {losses}",
            file=sys.stderr,
            flush=True,
        )

    trainer.run(args.minutes, log)
    if args.export:
        DEFAULT_CHECKPOINT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.run / "weights.safetensors", DEFAULT_CHECKPOINT)
        print(f"exported {DEFAULT_CHECKPOINT}")
    return 0
