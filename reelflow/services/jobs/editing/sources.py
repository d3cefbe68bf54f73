"""Edit requests as the job service sees them: the proto's Edit as an EditSpec, and the
source's latents, from the job store (a job that ran here) or an uploaded MP4 (encoded by the
Muxer stage when the edit runs)."""

from __future__ import annotations

from reelflow.pipeline.editing.edits import DEFAULT_STRENGTH, EditSpec
from reelflow.pipeline.editing.prepare import upload_meta
from reelflow.pipeline.editing.source import SourceLatents, SourceMeta
from reelflow.pipeline.model.presets import Preset
from reelflow.pipeline.script.plan import ScriptError
from reelflow.v1 import generation_pb2

KIND_NAMES = {
    generation_pb2.EDIT_KIND_RETAKE: "retake",
    generation_pb2.EDIT_KIND_EXTEND: "extend",
    generation_pb2.EDIT_KIND_REMIX: "remix",
}
KIND_OF_NAME = {name: kind for kind, name in KIND_NAMES.items()}
LATENTS, SOURCE = ".latents", ".source"  # job-store artifacts: a result's, an edit's input
# Fields an edit takes from its source: a value here would silently not apply.
FIXED_BY_SOURCE = ("duration_s", "fps", "width", "height", "references")


def edit_of(request: generation_pb2.GenerateRequest) -> generation_pb2.Edit | None:
    if request.HasField("edit") and request.edit.kind != generation_pb2.EDIT_KIND_UNSPECIFIED:
        return request.edit
    return None


def spec_from_proto(edit: generation_pb2.Edit) -> EditSpec:
    """ScriptError naming the field when a value is out of range (EditSpec checks them)."""
    if edit.kind not in KIND_NAMES:
        raise ScriptError("edit.kind", f"unknown edit kind {edit.kind}")
    return EditSpec(
        kind=KIND_NAMES[edit.kind],
        start_s=edit.start_s,
        end_s=edit.end_s,
        video=edit.regenerate_video if edit.HasField("regenerate_video") else True,
        audio=edit.regenerate_audio if edit.HasField("regenerate_audio") else True,
        seconds=edit.seconds,
        at_start=edit.at_start,
        strength=edit.strength if edit.HasField("strength") else DEFAULT_STRENGTH,
    )


def uploaded_source(
    xv, xa, preset: Preset, prompt: str
) -> SourceLatents:  # tensors from the Muxer's encode_source
    meta = upload_meta(xv.shape[0] / preset.fps, preset, prompt)
    return SourceLatents(meta, xv, xa)


def source_meta(data: bytes) -> SourceMeta:
    return SourceLatents.from_bytes(data).meta
