"""Opening an LTX-2 snapshot (a diffusers-format directory, as published) so that a deployment
can trust it: every component the model index names is there with its config and its weights
in safetensors (pickle files are never loaded), and a snapshot that is incomplete or does not
fit its configs fails with a SnapshotError naming the file, before anything is served."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

import torch

DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
# the components LTX2Pipeline cannot run without (model_index.json may name optional ones too)
REQUIRED = (
    "scheduler",
    "vae",
    "audio_vae",
    "text_encoder",
    "tokenizer",
    "connectors",
    "transformer",
    "vocoder",
)
# the networks, whose weights a stage loads (the scheduler and tokenizer are small: always)
NETWORKS = ("text_encoder", "connectors", "transformer", "vae", "audio_vae", "vocoder")
_CONFIGS = {"scheduler": ("scheduler_config.json",), "tokenizer": ("tokenizer_config.json",)}
_PICKLES = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


class SnapshotError(ValueError):
    """A snapshot that cannot be served; the message names the file or component."""


def check_snapshot(path: Path) -> dict:
    """The snapshot's model index, once every required component's files are there."""
    index_file = path / "model_index.json"
    if not path.is_dir():
        raise SnapshotError(f"{path}: no such snapshot directory")
    if not index_file.is_file():
        raise SnapshotError(f"{index_file}: missing (not a diffusers snapshot)")
    try:
        index = json.loads(index_file.read_text())
    except ValueError as error:
        raise SnapshotError(f"{index_file}: not valid JSON ({error})") from None
    if index.get("_class_name") != "LTX2Pipeline":
        raise SnapshotError(
            f"{index_file}: _class_name is {index.get('_class_name')!r}, not LTX2Pipeline"
        )
    for name in REQUIRED:
        entry = index.get(name)
        if not isinstance(entry, list) or entry[0] is None:
            raise SnapshotError(f"{index_file}: names no {name!r} component")
        folder = path / name
        for config in _CONFIGS.get(name, ("config.json",)):
            if not (folder / config).is_file():
                raise SnapshotError(f"{folder / config}: missing")
        if name in ("scheduler", "tokenizer"):
            continue
        if not any(folder.glob("*.safetensors")):
            pickles = sorted(p.name for pattern in _PICKLES for p in folder.glob(pattern))
            found = (
                f" (only {', '.join(pickles)}: pickle files are never loaded)" if pickles else ""
            )
            raise SnapshotError(f"{folder}: no .safetensors weights{found}")
    return index


def open_snapshot(
    path: Path | str, dtype: str = "bfloat16", networks: Collection[str] | None = None
):
    """The snapshot as the library's LTX2Pipeline, its weights in `dtype` (bf16 by default),
    on the CPU; offline, safetensors only. Every weight of every network must come from the
    snapshot: the libraries would fill a missing one with random values and say so only in
    a log line.

    `networks` (default: all of NETWORKS) are the ones whose weights are loaded; the others
    are built from their configs on the meta device, holding no memory: a stage replica loads
    only what it runs, and the orchestrator, which loads none, still has every config, the
    scheduler and the tokenizer to check requests, draw noise and step the schedule."""
    from diffusers import LTX2Pipeline
    from transformers import Gemma3ForConditionalGeneration

    if dtype not in DTYPES:
        raise SnapshotError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    networks = NETWORKS if networks is None else tuple(networks)
    if unknown := set(networks) - set(NETWORKS):
        raise ValueError(f"unknown networks {sorted(unknown)}; known: {', '.join(NETWORKS)}")
    path = Path(path)
    index = check_snapshot(path)
    options = {"dtype": DTYPES[dtype], "use_safetensors": True, "local_files_only": True}
    try:
        given = {
            name: _skeleton(path / name, index[name], DTYPES[dtype])
            for name in NETWORKS
            if name not in networks
        }
        if "text_encoder" in networks:
            given["text_encoder"], info = Gemma3ForConditionalGeneration.from_pretrained(
                path / "text_encoder", output_loading_info=True, **options
            )
        pipe = LTX2Pipeline.from_pretrained(path, **given, **options)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, AttributeError) as error:
        # a weight file that does not fit its config, a cut file, an unknown config key ...
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SnapshotError(f"{path}: the snapshot does not load: {first}") from error
    if "text_encoder" in networks:
        wrong = {k: sorted(info[k])[:3] for k in ("missing_keys", "mismatched_keys") if info[k]}
        if wrong:
            raise SnapshotError(f"{path / 'text_encoder'}: weights do not fit its config: {wrong}")
    for name in networks:
        if name != "text_encoder":
            _check_weights(path / name, getattr(pipe, name))
    return pipe


def _skeleton(folder: Path, entry: list, dtype: torch.dtype) -> torch.nn.Module:
    """The network the model index names, built from its config on the meta device."""
    import diffusers
    import diffusers.pipelines.ltx2
    import transformers

    library, class_name = entry[0], entry[1]
    modules = {
        "diffusers": diffusers,
        "ltx2": diffusers.pipelines.ltx2,
        "transformers": transformers,
    }
    if library not in modules or not hasattr(modules[library], class_name):
        raise SnapshotError(f"{folder}: unknown network class {library}.{class_name}")
    cls = getattr(modules[library], class_name)
    with torch.device("meta"):
        if library == "transformers":
            config = transformers.AutoConfig.from_pretrained(folder, local_files_only=True)
            return cls(config).to(dtype)
        return cls.from_config(cls.load_config(folder)).to(dtype)


def _check_weights(folder: Path, model: torch.nn.Module) -> None:
    """The folder's safetensors files hold exactly `model`'s tensors, shapes included."""
    from safetensors import safe_open

    stored = {}
    for file in sorted(folder.glob("*.safetensors")):
        with safe_open(file, "pt") as handle:
            names = handle.keys()  # a safetensors handle, not a dict
            stored.update({key: tuple(handle.get_slice(key).get_shape()) for key in names})
    wanted = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    missing = sorted(set(wanted) - set(stored))
    unused = sorted(set(stored) - set(wanted))
    misfit = sorted(k for k in set(wanted) & set(stored) if wanted[k] != stored[k])
    parts = [f"{len(missing)} missing (first {missing[:2]})"] if missing else []
    parts += [f"{len(unused)} the config has no place for (first {unused[:2]})"] if unused else []
    parts += [f"{len(misfit)} of another shape (first {misfit[:2]})"] if misfit else []
    if parts:
        raise SnapshotError(f"{folder}: weights do not fit its config.json: {'; '.join(parts)}")
