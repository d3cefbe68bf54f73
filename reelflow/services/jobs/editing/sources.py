"""Edit jobs' sources: where the source's latents are kept in the job store (a job that ran
here), and the latents of an uploaded MP4 once the Muxer stage has encoded it."""

from __future__ import annotations

from reelflow.pipeline.editing.prepare import upload_meta
from reelflow.pipeline.editing.source import SourceLatents, SourceMeta
from reelflow.pipeline.model.presets import Preset

LATENTS, SOURCE = ".latents", ".source"  # job-store artifacts: a result's, an edit's input
# Fields an edit takes from its source: a value here would silently not apply.
FIXED_BY_SOURCE = ("duration_s", "fps", "width", "height", "references")


def uploaded_source(
    xv, xa, preset: Preset, prompt: str
) -> SourceLatents:  # tensors from the Muxer's encode_source
    meta = upload_meta(xv.shape[0] / preset.fps, preset, prompt)
    return SourceLatents(meta, xv, xa)


def source_meta(data: bytes) -> SourceMeta:
    return SourceLatents.from_bytes(data).meta
