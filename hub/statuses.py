"""The statuses of runs, step runs and ledger effects: one enum each, in one place.

    RunStatus     queued → running → succeeded
                                   → retrying → running …       (a RetriableError, attempts left)
                                   → dead                        (fatal, or retries exhausted)
                                   → held → queued | rejected    (a credit check waits for a person)
    StepStatus    running → succeeded | reused | filtered | skipped | failed
    EffectStatus  pending → done

Each is a StrEnum: a member is its value wherever a ``str`` is expected, so the database columns,
JSON answers, metric labels and templates keep the very same words (``RunStatus.DEAD == "dead"``),
and a value read back from the database compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where one run (of one recipe for one event) stands, across its attempts."""

    QUEUED = "queued"        # waiting for a worker (new, re-queued after approval or after a crash)
    RUNNING = "running"      # claimed by a worker under a lease
    RETRYING = "retrying"    # failed for a passing reason; due again at next_attempt_at
    HELD = "held"            # a step waits for a person (credit approval); never retried by itself
    SUCCEEDED = "succeeded"  # every step done, or a filter ended the run
    DEAD = "dead"            # failed for good: on_failure handlers ran; may be replayed
    REJECTED = "rejected"    # a person rejected the held order


class StepStatus(StrEnum):
    """How one step of one attempt ended (``step_runs.status``)."""

    RUNNING = "running"      # started, not ended (the attempt was cut short)
    SUCCEEDED = "succeeded"
    REUSED = "reused"        # its effect had happened before: the ledger's result was taken
    FILTERED = "filtered"    # a filter was false: the run ends, successfully
    SKIPPED = "skipped"      # its ``when:`` was false
    FAILED = "failed"


class EffectStatus(StrEnum):
    """An effect in the idempotency ledger: claimed before the call, done once it is recorded."""

    PENDING = "pending"
    DONE = "done"


#: Every run status, in the order of the life cycle (for choices and validation).
RUN_STATUSES: tuple[RunStatus, ...] = tuple(RunStatus)
#: Runs a worker may claim once their next_attempt_at has come.
DUE: tuple[RunStatus, ...] = (RunStatus.QUEUED, RunStatus.RETRYING)
#: Runs that are not over: counted as open, never pruned.
OPEN: tuple[RunStatus, ...] = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RETRYING, RunStatus.HELD)
#: Runs that are over; only a replay (a new run) does more.
FINISHED: tuple[RunStatus, ...] = (RunStatus.SUCCEEDED, RunStatus.DEAD, RunStatus.REJECTED)
#: Finished runs a person may replay or resubmit.
REPLAYABLE: tuple[RunStatus, ...] = (RunStatus.SUCCEEDED, RunStatus.DEAD)
#: Steps whose output later steps and commands may use.
DONE_STEPS: tuple[StepStatus, ...] = (StepStatus.SUCCEEDED, StepStatus.REUSED)
