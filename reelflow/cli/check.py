"""`reelflow check`: parse a prompt script (and its reference files) and print the plan as JSON.

    reelflow check "[0-3s] wide shot @image1 (first_frame) [3-6s] close-up" \\
        --ref image1=hero.png --duration 6 --fps 8 --size 64x64

Exit 0 with the plan on stdout, or exit 2 with the error (and a caret under the offending part of
the prompt) on stderr. PROMPT "-" reads the prompt from stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from reelflow.pipeline.script.limits import DEFAULT_LIMITS, Limits
from reelflow.pipeline.script.parser import format_error, parse, plan_to_dict
from reelflow.pipeline.script.plan import ScriptError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check",
        help="parse a prompt script and print the plan as JSON",
        description="Parse a prompt script and its reference files; print the plan as JSON "
        "(exit 0) or the error with a caret under it (exit 2).",
    )
    parser.add_argument("prompt", metavar="PROMPT", help='the prompt script, or "-" for stdin')
    parser.add_argument(
        "--ref",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="attach a reference file, e.g. image1=hero.png (repeatable)",
    )
    parser.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="NAME=ROLE",
        help="give a reference a role, e.g. image1=first_frame (repeatable)",
    )
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="seconds")
    parser.add_argument("--fps", type=int, default=8, metavar="N")
    parser.add_argument("--size", default="64x64", metavar="WxH")
    parser.add_argument("--sample-rate", type=int, default=16000, metavar="HZ")
    return parser


def _pairs(values: list[str], field: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        name = name.strip()
        if not sep or not name or not rest:
            raise ScriptError(field, f"'{value}' is not NAME={what}")
        if name in out:
            raise ScriptError(f"{field}[{name}]", f"{name} is given twice")
        out[name] = rest
    return out


def _read(name: str, path: str, limits: Limits) -> bytes:
    field = f"references[{name}]"
    try:
        size = os.stat(path).st_size
        if size > limits.max_file_bytes:  # don't read a huge file just to reject it
            raise ScriptError(
                field, f"{path} is {size:,} bytes; the limit is {limits.max_file_bytes:,}"
            )
        with open(path, "rb") as handle:
            return handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        raise ScriptError(field, f"cannot read {path}: {error.strerror or error}") from None


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*", text)
    if match is None:
        raise ScriptError("size", f"'{text}' is not WIDTHxHEIGHT, e.g. 64x64")
    return int(match.group(1)), int(match.group(2))


def run(args: argparse.Namespace, limits: Limits = DEFAULT_LIMITS) -> int:
    prompt = ""
    try:
        prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
        width, height = _size(args.size)
        paths = _pairs(args.ref, "references", "PATH")
        roles = _pairs(args.role, "references", "ROLE")
        references = {name: _read(name, path, limits) for name, path in paths.items()}
        plan = parse(
            prompt,
            duration_s=args.duration,
            fps=args.fps,
            width=width,
            height=height,
            sample_rate=args.sample_rate,
            references=references,
            roles=roles,
            limits=limits,
        )
    except ScriptError as error:
        print(format_error(prompt, error), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False))
    return EXIT_OK
