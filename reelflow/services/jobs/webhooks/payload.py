"""What a webhook says: the OpenAI Videos view of a job state, as JSON built only from the
outbox row, so every attempt of one event sends the same bytes."""

from __future__ import annotations

import json
import time

from reelflow.services.jobs.records import JobState
from reelflow.services.jobs.webhooks.outbox import Event

STATUS = {
    JobState.QUEUED: "queued",
    JobState.RUNNING: "in_progress",
    JobState.SUCCEEDED: "completed",
    JobState.FAILED: "failed",
    JobState.CANCELLED: "failed",  # OpenAI has no cancelled state: failed with its own code
    JobState.EXPIRED: "failed",
}


def error_of(state: JobState, failure_code: str, failure_reason: str) -> dict | None:
    """OpenAI's `error` of a video: None unless it failed; cancelled and expired jobs say so
    in `code`, the others give the failure's status name in lower case."""
    if STATUS[state] != "failed":
        return None
    if state == JobState.CANCELLED:
        code = "cancelled"
    elif state == JobState.EXPIRED:
        code = "expired"
    else:
        code = (failure_code or "internal").lower()
    return {"code": code, "message": failure_reason or f"the job is {state}"}


def body(event: Event) -> bytes:
    state = JobState(event.state)
    status = STATUS[state]
    document = {
        "type": f"video.{status}",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(event.created_at)),
        "data": {
            "id": event.job_id,
            "object": "video",
            "status": status,
            "job_state": str(state),
            "error": error_of(state, event.failure_code, event.failure_reason),
        },
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
