"""Whether an unfinished job has a runner: read from its stored lease, nothing else.

A runner renews its job's lease while it works (see ``runner``); a process that dies, is
killed or is stopped with Ctrl-C stops renewing it (Ctrl-C releases it at once). An unfinished
job whose lease has run out is therefore *interrupted*: nothing is working on it until
``bob resume`` or ``bob cancel`` (or a replica's sweep) claims it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from provisioning.records import JobRecord

# A job is submitted, then claimed by the process that submitted it: a job never claimed this
# long after it was made was left behind by a process that died in between.
UNCLAIMED_GRACE = timedelta(seconds=60)


def interrupted(job: JobRecord, now: datetime) -> bool:
    """Unfinished, and no runner holds its lease at ``now``."""
    if job.state.finished:
        return False
    if job.lease_expires_at is not None:
        return job.lease_expires_at <= now
    return job.created_at + UNCLAIMED_GRACE <= now
