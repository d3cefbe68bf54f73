"""`reelflow retake|extend|remix`: edit a finished clip, embedded (SOURCE is an MP4, encoded
with the local codecs) or over gRPC with --server (SOURCE is a job id of that server, whose
kept latents are exact, or an MP4 to upload)."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

from reelflow.pipeline.script.plan import ScriptError

COMMANDS = ("retake", "extend", "remix")
_JOB_ID = re.compile(r"[0-9a-f]{32}")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    helps = {
        "retake": "regenerate a time span of a clip (its picture, sound or both)",
        "extend": "make a clip longer, continuing it at the end (or the start)",
        "remix": "the clip again with a new prompt, keeping its layout and motion (SDEdit)",
    }
    for name in COMMANDS:
        parser = subparsers.add_parser(name, help=helps[name])
        parser.add_argument("source", help="an MP4, or with --server a job id of that server")
        parser.add_argument("-o", "--output", type=Path, required=True, help="MP4 to write")
        required = name == "remix"
        parser.add_argument(
            "--prompt",
            default="",
            required=required,
            help="the new text" + ("" if required else " (default: the source's)"),
        )
        if name == "retake":
            parser.add_argument("--start", type=float, default=0.0, help="span start, seconds")
            parser.add_argument("--end", type=float, default=0.0, help="span end (0: the end)")
            keep = parser.add_mutually_exclusive_group()
            keep.add_argument(
                "--keep-audio", action="store_true", help="regenerate the picture only"
            )
            keep.add_argument("--keep-video", action="store_true", help="regenerate the sound only")
        elif name == "extend":
            parser.add_argument("--seconds", type=float, required=True, help="seconds to add")
            parser.add_argument("--at-start", action="store_true", help="add them before the clip")
        else:
            parser.add_argument(
                "--strength", type=float, default=0.6, help="0 = the source, 1 = fresh"
            )
        parser.add_argument("--seed", type=int, help="random seed (default: drawn and printed)")
        parser.add_argument("--steps", type=int, help="denoising steps")
        parser.add_argument("--guidance", type=float, help="classifier-free guidance scale")
        parser.add_argument(
            "--server", help="HOST:PORT of a reelflow gRPC endpoint (else embedded)"
        )
        parser.add_argument("--api-key", help="sent as `authorization: Bearer KEY`")
        parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait")
        parser.add_argument("--preset", default="tiny", help="model size when embedded")
        parser.add_argument("--checkpoint", help='weights file; "none" for random init')


def edit_spec(args: argparse.Namespace):
    """The edit the arguments describe; ScriptError naming the field for a bad value."""
    from reelflow.pipeline.editing.edits import EditSpec

    if args.command == "retake":
        return EditSpec(
            "retake",
            start_s=args.start,
            end_s=args.end,
            video=not args.keep_video,
            audio=not args.keep_audio,
        )
    if args.command == "extend":
        return EditSpec("extend", seconds=args.seconds, at_start=args.at_start)
    return EditSpec("remix", strength=args.strength)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise ScriptError("edit.source_mp4", f"cannot read {path}: {error.strerror}") from None


def _remote(args: argparse.Namespace) -> tuple[bytes, int]:
    from reelflow.pipeline.generation.request import GenerationRequest
    from reelflow.services.api.grpc.client import JobClient
    from reelflow.services.api.grpc.messages import edit_to_proto, request_to_proto
    from reelflow.services.jobs.requests import EditRequest
    from reelflow.v1 import generation_pb2 as pb

    if _JOB_ID.fullmatch(args.source) and not Path(args.source).exists():
        edit = EditRequest(edit_spec(args), source_job_id=args.source)
    else:
        edit = EditRequest(edit_spec(args), source_mp4=_read(args.source))
    generation = GenerationRequest(
        args.prompt, seed=args.seed, steps=args.steps, guidance=args.guidance
    )
    request = request_to_proto(generation)
    request.edit.CopyFrom(edit_to_proto(edit))
    with JobClient(args.server, api_key=args.api_key) as client:
        job = client.submit(request)
        print(f"job {job.job_id} ({args.command} of {args.source})", file=sys.stderr)
        done = client.wait(job.job_id, args.timeout)
        if done.state != pb.JOB_STATE_SUCCEEDED:
            print(
                f"error: job {done.job_id} {pb.JobState.Name(done.state)}: {done.failure_reason}",
                file=sys.stderr,
            )
            raise SystemExit(1)
        return client.fetch(done.job_id), done.seed


def _embedded(args: argparse.Namespace) -> tuple[bytes, int]:
    from reelflow.pipeline.editing.edits import DEFAULT_MAX_EXTENDED_S
    from reelflow.pipeline.editing.prepare import generate_edit, prepare_edit, upload_meta
    from reelflow.pipeline.editing.source import SourceLatents, probe_upload
    from reelflow.pipeline.generation.embedded import LocalStages
    from reelflow.pipeline.generation.request import GenerationRequest, limits_for
    from reelflow.pipeline.model.presets import get_preset
    from reelflow.pipeline.model.weights import resolve_checkpoint

    preset = get_preset(args.preset)
    mp4 = _read(args.source)
    max_s = DEFAULT_MAX_EXTENDED_S
    seconds = probe_upload(mp4, limits_for(preset), max_s)
    spec = edit_spec(args)
    request = GenerationRequest(
        args.prompt, seed=args.seed, steps=args.steps, guidance=args.guidance
    )
    prepared = prepare_edit(request, spec, upload_meta(seconds, preset, args.prompt), preset, max_s)
    stages = LocalStages(preset, resolve_checkpoint(args.checkpoint))

    async def run() -> bytes:
        xv, xa = await stages.encode_source(
            mp4, preset.fps, preset.width, preset.height, preset.sample_rate
        )
        source = SourceLatents(upload_meta(xv.shape[0] / preset.fps, preset, args.prompt), xv, xa)
        return (await generate_edit(prepared, source, stages, preset)).mp4

    return asyncio.run(run()), prepared.options.seed


def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    mp4, seed = _remote(args) if args.server else _embedded(args)
    args.output.write_bytes(mp4)
    seconds = time.perf_counter() - began
    print(f"wrote {args.output.resolve()} ({args.command}, seed {seed}) in {seconds:.1f}s")
    return 0
