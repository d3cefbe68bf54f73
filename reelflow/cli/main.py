"""`reelflow`: generate (embedded, or over gRPC with --server), retake, extend, remix, serve,
demo, check, jobs, cluster, train, world, eval. Each command is a module of this package with
`add_parser` and `run`; this entry point builds the parser from them and dispatches."""

from __future__ import annotations

import argparse
import importlib
import sys

from reelflow.cli.generate import EXIT_BAD_INPUT, request_from_args
from reelflow.pipeline.script.plan import ScriptError

__all__ = ["build_parser", "main", "request_from_args"]
COMMANDS = ("generate", "edit", "serve", "demo", "check", "cluster", "jobs", "train", "world")
# commands registered by another command's module
_MODULE_OF = {"eval": "world", "retake": "edit", "extend": "edit", "remix": "edit"}


def _command(name: str):
    return importlib.import_module(f"reelflow.cli.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reelflow", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        _command(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # `world` registers `world` and `eval`; `edit` registers retake, extend and remix
        return _command(_MODULE_OF.get(args.command, args.command)).run(args)
    except ScriptError as error:
        from reelflow.pipeline.script.parser import format_error

        print(format_error(getattr(args, "prompt", "") or "", error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        import grpc

        if isinstance(error, grpc.RpcError):
            print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
            return EXIT_BAD_INPUT if error.code() == grpc.StatusCode.INVALID_ARGUMENT else 1
        raise


if __name__ == "__main__":
    sys.exit(main())
