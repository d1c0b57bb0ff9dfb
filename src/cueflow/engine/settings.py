"""Engine settings: every default written once, here (spec 2.19 flags and feature gates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class EngineSettings:
    max_step_error_retries: int = 10
    """A step failing retryably this many times more than once ends `FailedAfterRetries`."""
    max_wait_backoff: timedelta = timedelta(seconds=60)
    """Longest wait between passes while steps wait (`--max-workflow-wait-backoff-time`)."""
    max_failed_backoff: timedelta = timedelta(seconds=300)
    """Longest wait between passes while a step is failed (`--max-workflow-failed-backoff-time`)."""
    suspend_on_failure: bool = False
    """Feature `EnableSuspendOnFailure`: suspend the run instead of failing it after retries."""
    patch_status_at_once: bool = False
    """Feature `EnablePatchStatusAtOnce`: write the run status after every step-status change."""
    stale_status_memory: timedelta = timedelta(minutes=3)
    """How long the engine remembers how many top-level status entries it last wrote (2.15)."""
    error_backoff: timedelta = timedelta(seconds=1)
    """First delay before a pass is retried after it raised an error (doubled up to 5 min)."""
