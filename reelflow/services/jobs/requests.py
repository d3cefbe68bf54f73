"""What a job is asked to do, as the job service takes it from any API (gRPC, HTTP, tests): the
generation request, the edit (if it is one) and the job's own options; and the versioned form
the store keeps it in.

The stored form (format 2) is
    MAGIC | u32 header length (little-endian) | header (UTF-8 JSON) | blobs
where the header holds every field but the bytes, and the blobs are the references' data in the
header's order, then the edit's uploaded MP4. A protobuf message never starts with a zero byte
(field number 0 does not exist), so format 1 rows (the gRPC GenerateRequest itself, written
before this format) are told apart by the first byte and read by the `legacy` reader the host
passes in (api/grpc), which the job machinery cannot import.
"""

from __future__ import annotations

import enum
import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from reelflow.pipeline.editing.edits import EditSpec
from reelflow.pipeline.generation.request import GenerationRequest

MAGIC = b"\x00reelflow-job\x00"
FORMAT = 2
_LENGTH = struct.Struct("<I")
LegacyReader = Callable[[bytes], "JobRequest"]


class Priority(enum.IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3


@dataclass(frozen=True)
class EditRequest:
    """An edit of a finished clip: the source is a job of the same key, or an uploaded MP4."""

    spec: EditSpec
    source_job_id: str | None = None
    source_mp4: bytes | None = None


@dataclass(frozen=True)
class JobOptions:
    """How the job runs and what it returns, beside what it generates. Zero durations take
    the server's defaults."""

    priority: Priority = Priority.NORMAL
    queue_timeout_s: float = 0.0
    deadline_s: float = 0.0
    preview_every: int = 0  # a preview every this many denoising steps; 0 = none
    callback_url: str = ""  # webhooks of every state change; "" = none
    generate_audio: bool = True  # False: the MP4 carries the video track only
    return_last_frame: bool = False  # also keep the last frame as a PNG


@dataclass(frozen=True)
class JobRequest:
    generation: GenerationRequest
    edit: EditRequest | None = None
    options: JobOptions = field(default_factory=JobOptions)

    def with_seed(self, seed: int) -> JobRequest:
        """The request as admitted: a restarted job makes the same video."""
        return replace(self, generation=replace(self.generation, seed=seed))


def encode(request: JobRequest) -> bytes:
    g = request.generation
    references = list(g.references.items())
    generation = {
        **{k: v for k, v in asdict(g).items() if k not in ("references", "roles")},
        "references": [
            {"name": name, "role": g.roles.get(name, ""), "bytes": len(data)}
            for name, data in references
        ],
    }
    blobs = [data for _, data in references]
    edit = None
    if request.edit is not None:
        mp4 = request.edit.source_mp4
        edit = {
            **asdict(request.edit.spec),
            "source_job_id": request.edit.source_job_id,
            "source_mp4_bytes": None if mp4 is None else len(mp4),
        }
        blobs.append(mp4 or b"")
    options = {**asdict(request.options), "priority": int(request.options.priority)}
    header = {"format": FORMAT, "generation": generation, "edit": edit, "options": options}
    text = json.dumps(header, separators=(",", ":")).encode()
    return b"".join([MAGIC, _LENGTH.pack(len(text)), text, *blobs])


def decode(data: bytes, legacy: LegacyReader | None = None) -> JobRequest:
    if not data.startswith(MAGIC):
        if legacy is None:
            raise ValueError("a format 1 job request, and no reader for it was given")
        return legacy(data)
    start = len(MAGIC) + _LENGTH.size
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    header = json.loads(data[start : start + length])
    if header.get("format") != FORMAT:
        raise ValueError(f"job request format {header.get('format')}, this server reads {FORMAT}")
    blobs = _Blobs(data, start + length)
    generation = dict(header["generation"])
    references = generation.pop("references")
    roles = {ref["name"]: ref["role"] for ref in references if ref["role"]}
    data_of = {ref["name"]: blobs.take(ref["bytes"]) for ref in references}
    edit = None
    if header["edit"] is not None:
        raw = dict(header["edit"])
        source_job_id, mp4_bytes = raw.pop("source_job_id"), raw.pop("source_mp4_bytes")
        mp4 = None if mp4_bytes is None else blobs.take(mp4_bytes)
        edit = EditRequest(EditSpec(**raw), source_job_id, mp4)
    options = dict(header["options"])
    options["priority"] = Priority(options["priority"])
    return JobRequest(
        GenerationRequest(**generation, references=data_of, roles=roles),
        edit,
        JobOptions(**options),
    )


def request_hash(request: JobRequest) -> str:
    """Identifies a request for idempotent retries (the same request_id with the same body)."""
    return hashlib.sha256(encode(request)).hexdigest()


class _Blobs:
    def __init__(self, data: bytes, offset: int):
        self.data, self.offset = data, offset

    def take(self, size: int) -> bytes:
        if self.offset + size > len(self.data):
            raise ValueError("the stored job request is cut short")
        blob = self.data[self.offset : self.offset + size]
        self.offset += size
        return blob
