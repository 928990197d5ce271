"""``rebuild-base --dry-run`` says what the job then does, on a real sandbox host through the
installed ``bob``: the version in the plan is the one the job builds, read from the host the
way the job reads it, whatever a store's records say (this store's, or another bob's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.provisioning.bases.observe import current_base
from tests.provisioning.pipeline.cli_world import bob_cli
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet_sync

pytestmark = pytest.mark.slow

PLANNED = re.compile(r"^  host-a: (v\d+|no base) → v(\d+) from template busybox \(overlay\)")


def _planned_version(stdout: str) -> tuple[str, int]:
    found = [m for line in stdout.splitlines() if (m := PLANNED.match(line))]
    assert found, stdout
    return found[0][1], int(found[0][2])


def test_the_dry_run_names_the_version_the_job_then_builds(tmp_path: Path) -> None:
    require_sandbox()
    with sandbox_fleet_sync(tmp_path / "sbx", hosts=1) as info:
        cli = bob_cli(info, tmp_path)

        dry_run = cli("rebuild-base", "host-a", "--dry-run")
        assert 0 == dry_run.returncode, dry_run.stderr
        assert ("v1", 2) == _planned_version(dry_run.stdout)

        built = cli("rebuild-base", "host-a", "--yes", timeout=600)
        assert 0 == built.returncode, built.stdout + built.stderr
        assert "base-v2" == current_base(info, "host-a")

        # a bob whose records know nothing of that rebuild plans from the host all the same
        (tmp_path / "other").mkdir()
        other = bob_cli(info, tmp_path / "other")
        again = other("rebuild-base", "host-a", "--dry-run")
        assert 0 == again.returncode, again.stderr
        assert ("v2", 3) == _planned_version(again.stdout)
