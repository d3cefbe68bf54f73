"""Showing a plan or a script error to people: caret diagnostics, JSON, and script text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reelflow.pipeline.script.plan import Plan, ScriptError, Shot

CONTEXT = 60  # characters shown either side of an error on a long line


def seconds(value: float) -> str:
    """A time as short decimal text that parses back to the same float: 2.5 -> "2.5", 3.0 -> "3"."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def format_error(prompt: str, error: ScriptError) -> str:
    """The error message, and for prompt errors the line with a caret under the span.

    error: prompt: shot [3-1s] ends before it starts
      line 2, column 1:
      [3-1s] a dog
      ^~~~~~
    """
    head = f"error: {error.field}: {error.message}"
    if error.field != "prompt" or error.span is None or not isinstance(prompt, str):
        return head
    start = min(max(error.span[0], 0), len(prompt))
    end = min(max(error.span[1], start + 1), len(prompt) + 1)
    line_start = prompt.rfind("\n", 0, start) + 1
    line_end = prompt.find("\n", start)
    line_end = len(prompt) if line_end < 0 else line_end
    line, column = prompt[line_start:line_end], start - line_start
    width = max(1, min(end, line_end + 1) - start)
    left = max(0, column - CONTEXT)
    right = min(len(line), column + width + CONTEXT)
    # Tabs and other invisible characters would shift the caret: show them as spaces.
    shown = "".join(c if c.isprintable() else " " for c in line[left:right])
    prefix, suffix = ("…" if left else ""), ("…" if right < len(line) else "")
    caret = " " * (len(prefix) + column - left) + "^" + "~" * (width - 1)
    line_number = prompt.count("\n", 0, start) + 1
    return (
        f"{head}\n  line {line_number}, column {column + 1}:\n"
        f"  {prefix}{shown}{suffix}\n  {caret.rstrip()}"
    )


def _own_text(plan: Plan, shot: Shot) -> str:
    """The shot's own words: its text without the global description `parse` put in front."""
    shared = plan.global_text
    if shared and shot.text.startswith(shared):
        return shot.text[len(shared) :].lstrip()
    return shot.text


def to_script(plan: Plan) -> str:
    """Script text that `parse` reads back to the same shots (times, text, camera, dialogue)."""
    lines = [plan.global_text] if plan.global_text else []
    for shot in plan.shots:
        marker = f"[{seconds(shot.start_s)}-{seconds(shot.end_s)}s]"
        lines.append(f"{marker} {_own_text(plan, shot)}".rstrip())
    return "\n".join(lines)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A JSON-able view of the plan; references by name, kind, role and shape, never raw data."""
    return {
        "duration_s": plan.duration_s,
        "fps": plan.fps,
        "width": plan.width,
        "height": plan.height,
        "sample_rate": plan.sample_rate,
        "num_frames": plan.num_frames,
        "num_samples": plan.num_samples,
        "global_text": plan.global_text,
        "shots": [
            {
                "index": shot.index,
                "start_s": shot.start_s,
                "end_s": shot.end_s,
                "start_frame": shot.start_frame,
                "end_frame": shot.end_frame,
                "text": shot.text,
                "camera": {"framing": shot.camera.framing, "movement": shot.camera.movement},
                "dialogue": [{"speaker": d.speaker, "text": d.text} for d in shot.dialogue],
                "mentions": list(shot.mentions),
                "span": list(shot.span),
            }
            for shot in plan.shots
        ],
        "references": [
            {
                "name": ref.name,
                "kind": ref.kind,
                "role": ref.role,
                "shape": list(ref.data.shape),
                "dtype": str(ref.data.dtype),
            }
            for ref in plan.references
        ],
    }
