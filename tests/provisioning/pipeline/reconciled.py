"""The drills' last word: the reconciler, run against the real systems, finds zero differences.

    await assert_reconciled(fleet, store, dns=client)           # in this process
    assert_no_differences(run_bob("reconcile", "--json"))       # bob's own --json output

Both assert on the reconciler's machine-readable report (``Report.as_json()``, which is what
``bob reconcile --json`` prints): ``differences`` is 0, and when it is not the findings are
printed in full, one per line, so a failed drill says what was left behind where.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from handlers.reconcile import Report, reconcile
from provisioning.config import Fleet
from provisioning.dns import DnsZoneClient
from provisioning.hosts.ssh import HostPool
from provisioning.jenkins.port import JenkinsController
from provisioning.ports import Shells, StateStore


def assert_no_differences(report: Mapping[str, Any]) -> None:
    """``report`` is a reconcile report as JSON (``Report.as_json()`` or ``--json`` output)."""
    findings = report["findings"]
    lines = "\n".join(
        f"  {f['kind']} {f['subject']} on {f['host']}/{f['disk']}: {f['detail']}" for f in findings
    )
    assert 0 == report["differences"], (
        f"reconcile found {report['differences']} difference(s):\n{lines}"
    )
    assert [] == findings


def parse_cli_report(stdout: str, stderr: str = "") -> dict[str, Any]:
    """The JSON ``bob reconcile --json`` printed (its stderr in the message if it printed none)."""
    assert stdout.strip(), f"bob reconcile --json printed nothing; stderr:\n{stderr}"
    report: dict[str, Any] = json.loads(stdout)
    return report


async def reconciled(
    fleet: Fleet,
    store: StateStore,
    *,
    dns: DnsZoneClient | None = None,
    jenkins: Mapping[str, JenkinsController] | None = None,
    shells: Shells | None = None,
) -> Report:
    """The reconciler's report on every host, zone and controller against ``store``.

    Without ``shells`` the hosts are read over connections of its own (closed afterwards), the
    way a separate ``bob reconcile`` would.
    """
    if shells is not None:
        return await reconcile(fleet, store, shells, dns, jenkins or {})
    pool = HostPool(fleet.hosts)
    try:
        return await reconcile(fleet, store, pool, dns, jenkins or {})
    finally:
        await pool.close_all()


async def assert_reconciled(
    fleet: Fleet,
    store: StateStore,
    *,
    dns: DnsZoneClient | None = None,
    jenkins: Mapping[str, JenkinsController] | None = None,
    shells: Shells | None = None,
) -> dict[str, Any]:
    """Reconcile (see ``reconciled``) and assert zero differences; the report as JSON."""
    report = await reconciled(fleet, store, dns=dns, jenkins=jenkins, shells=shells)
    result = report.as_json()
    assert_no_differences(result)
    return result
