"""The drills' helper fails, naming every finding, when the reconciler found differences."""

from __future__ import annotations

import pytest

from handlers.reconcile import Report
from provisioning.reconcile.model import Finding, Kind
from tests.provisioning.pipeline.reconciled import assert_no_differences


def report(*findings: Finding) -> Report:
    return Report(findings=list(findings), in_progress=[], read={"hosts": 2})


def test_a_report_without_findings_passes() -> None:
    assert_no_differences(report().as_json())


def test_a_report_with_findings_fails_naming_each_one() -> None:
    left = Finding(Kind.CONTAINER_WITHOUT_RECORD, "bob003", "made by job 1f", "host-b", "disk1")

    with pytest.raises(AssertionError) as failed:
        assert_no_differences(report(left).as_json())

    assert "reconcile found 1 difference(s):" in str(failed.value)
    assert "container-without-record bob003 on host-b/disk1: made by job 1f" in str(failed.value)
