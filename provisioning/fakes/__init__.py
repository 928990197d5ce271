"""In-memory stand-ins for the ports, for the unit tests of whatever uses them.

Each fake passes the same contract tests as its real adapter (tests/contracts), so a unit test
on a fake sees the behaviour production code will see.
"""

from provisioning.fakes.dns import MemoryZones
from provisioning.fakes.job_store import MemoryJobStore
from provisioning.fakes.shell import Call, FakeShell, Reply, Responder

__all__ = ["Call", "FakeShell", "MemoryJobStore", "MemoryZones", "Reply", "Responder"]
