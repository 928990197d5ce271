"""bench/load_drill.py at a small scale: three replicas each create three Bobs on three hosts,
then destroy them, with a host's sshd stopped and started again in the middle of each phase.

The bench's invariants are the assertions: no name, address or slot twice, every job succeeded
or failed leaving nothing, hosts and store agree and the reconciler finds nothing after each
phase, and nothing is left at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.loaddrill.drill import Shape, run_drill
from bench.loaddrill.figures import report
from tests.provisioning.pipeline.runtime import fleet_variant
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

pytestmark = pytest.mark.slow


async def test_the_load_drill_at_small_scale_holds_every_invariant(tmp_path: Path) -> None:
    require_sandbox()
    async with sandbox_fleet(tmp_path / "sandbox", backend="overlay", hosts=3) as info:
        # Room for 3 Bobs per host, as placement fills hosts in order: each job gets one host,
        # so the outage fails one of them and the others must succeed beside it.
        fleet = fleet_variant(info, tmp_path, disks={h.name: (1, 1, 1) for h in info.hosts})
        result = await run_drill(info, tmp_path, Shape(jobs=3, bobs=3, outage_s=1.0), fleet)
    lines: list[str] = []
    report(result, lines.append)
    figures = "\n".join(lines)
    print(figures)  # shown with -s, and with the captured output of a failure

    assert [] == result.violations, figures
    # No Bob is left half-destroyed: a destroy lane fails alone (never cancelled by another
    # host's failure), and waits out the brief sshd outage instead of failing at once.
    assert [] == result.half_destroyed, figures
    assert ["create", "destroy", "clean-up"] == [p.name for p in result.phases]
    # the drill really took a host away in both phases, and made some Bobs first
    assert [True, True] == [p.outage is not None for p in result.phases[:2]], figures
    assert result.made, figures
