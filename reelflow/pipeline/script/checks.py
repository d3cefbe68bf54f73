"""Request-level checks for `script.parse`: prompt text, numbers, reference names, counts, roles.

They run before the script is read and long before any file is decoded, so cheap mistakes are
reported cheaply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from numbers import Real

from reelflow.pipeline.script import cues
from reelflow.pipeline.script.display import seconds
from reelflow.pipeline.script.limits import Limits
from reelflow.pipeline.script.plan import REFERENCE_KINDS, ScriptError

ROLE_KINDS = {
    "first_frame": "image",
    "last_frame": "image",
    "appearance": "image",
    "motion": "video",
    "soundtrack": "audio",
    "voice": "audio",
    "ambient": "audio",
}
KIND_ROLES = {  # for messages: "first_frame, last_frame or appearance"
    kind: " or ".join(", ".join(r for r, k in ROLE_KINDS.items() if k == kind).rsplit(", ", 1))
    for kind in REFERENCE_KINDS
}
FORBIDDEN_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def check_prompt(prompt: object, limits: Limits) -> None:
    check_text("prompt", prompt, limits, required=True)


def check_text(field: str, text: object, limits: Limits, *, required: bool) -> None:
    """A prompt-like field: text, within the prompt length limit, no control characters, and
    not blank when `required`."""
    if not isinstance(text, str):
        raise ScriptError(field, f"{field} must be text, got {type(text).__name__}")
    if len(text) > limits.max_prompt_chars:
        raise ScriptError(
            field,
            f"{field} is {len(text):,} characters; the limit is {limits.max_prompt_chars:,}",
            (limits.max_prompt_chars, len(text)),
        )
    if required and not text.strip():
        raise ScriptError(field, f"{field} is empty")
    bad = FORBIDDEN_CHAR.search(text)
    if bad is not None:
        code = f"U+{ord(bad.group()):04X}"
        raise ScriptError(field, f"{field} contains a control character ({code})", bad.span())


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_numbers(
    duration_s: object, fps: object, width: object, height: object, rate: object, limits: Limits
) -> None:
    if duration_s is not None:
        if not isinstance(duration_s, Real) or isinstance(duration_s, bool):
            raise ScriptError("duration", "duration must be a number of seconds")
        if not math.isfinite(duration_s) or duration_s <= 0:
            raise ScriptError("duration", f"duration must be positive, got {duration_s} s")
        if duration_s > limits.max_duration_s:
            raise ScriptError(
                "duration",
                f"duration is {seconds(duration_s)} s; "
                f"the limit is {seconds(limits.max_duration_s)} s",
            )
    if not is_int(fps) or not limits.min_fps <= fps <= limits.max_fps:  # type: ignore[operator]
        raise ScriptError(
            "fps",
            f"fps is {fps!r}; it must be a whole number from {limits.min_fps} to {limits.max_fps}",
        )
    lo, hi, step = limits.min_side, limits.max_side, limits.side_multiple
    for side in (width, height):
        if not is_int(side) or not lo <= side <= hi or side % step:  # type: ignore[operator]
            raise ScriptError(
                "size",
                f"size is {width!r}x{height!r}; width and height must be multiples of {step} "
                f"from {lo} to {hi}",
            )
    if not is_int(rate) or not limits.min_sample_rate <= rate <= limits.max_sample_rate:  # type: ignore[operator]
        raise ScriptError(
            "sample_rate",
            f"sample_rate is {rate!r} Hz; it must be from {limits.min_sample_rate:,} "
            f"to {limits.max_sample_rate:,} Hz",
        )


def max_index(kind: str, limits: Limits) -> int:
    return {"image": limits.max_images, "video": limits.max_videos, "audio": limits.max_audios}[
        kind
    ]


def check_references(references: Mapping[str, bytes], limits: Limits) -> dict[str, bytes]:
    """Names and counts, cheap checks before anything is decoded; returns them in plan order."""
    if not isinstance(references, Mapping):
        raise ScriptError("references", "references must map names like image1 to file bytes")
    order: list[tuple[int, int, str]] = []
    for name, data in references.items():
        label = str(name)[:40]
        field = f"references[{label}]"
        match = (
            re.fullmatch(r"(image|video|audio)([1-9]\d?)", name) if isinstance(name, str) else None
        )
        if match is None or int(match.group(2)) > max_index(match.group(1), limits):
            raise ScriptError(field, f"'{label}' is not a reference name; {names_help(limits)}")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ScriptError(field, "the file must be bytes")
        order.append((REFERENCE_KINDS.index(match.group(1)), int(match.group(2)), name))
    if len(order) > limits.max_references:
        raise ScriptError(
            "references",
            f"{len(order)} files are attached; the limit is {limits.max_references}",
        )
    return {name: bytes(references[name]) for _, _, name in sorted(order)}


def names_help(limits: Limits) -> str:
    parts = [f"{k}1 to {k}{max_index(k, limits)}" for k in REFERENCE_KINDS if max_index(k, limits)]
    return "use " + ", ".join(parts)


def check_roles(roles: Mapping[str, str], attached: Mapping[str, bytes]) -> dict[str, str]:
    if not isinstance(roles, Mapping):
        raise ScriptError("references", "roles must map reference names to roles")
    out = {}
    for name, role in roles.items():
        field = f"references[{str(name)[:40]}]"
        if name not in attached:
            raise ScriptError(field, f"a role is given for {str(name)[:40]}, which is not attached")
        normal = cues.normalise_role(role) if isinstance(role, str) else ""
        check_role_fits(name, normal, str(role)[:40], field, None)
        out[name] = normal
    return out


def check_role_fits(
    name: str, role: str, written: str, field: str, span: tuple[int, int] | None
) -> None:
    kind = re.sub(r"\d+$", "", name)
    if role not in ROLE_KINDS:
        raise ScriptError(
            field, f"'{written}' is not a role; {kind} references take {KIND_ROLES[kind]}", span
        )
    if ROLE_KINDS[role] != kind:
        raise ScriptError(
            field,
            f"{name} cannot be {role}: {role} takes {'an' if ROLE_KINDS[role] == 'image' else 'a'} "
            f"{ROLE_KINDS[role]}; {kind} references take {KIND_ROLES[kind]}",
            span,
        )
