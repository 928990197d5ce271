"""The autostart check and what `host prepare` installs for it, on a host that boots with
systemd (the sandbox hosts do not: there the check only says what the host's init must run).

A fake shell plays the host: it answers the probe as a systemd host would, with the disks'
units enabled once `systemctl enable` ran.
"""

from __future__ import annotations

from provisioning.fakes import FakeShell, Reply
from provisioning.hostcheck.judge import judge
from provisioning.hostcheck.model import Limits, Outcome
from provisioning.hostcheck.prepare import Preparation, prepare_host
from provisioning.hostcheck.probe import parse_facts
from provisioning.lxc.autostart import UNIT_PATH, UNIT_TEXT, unit_name
from tests.provisioning.hostcheck.probes import NOW, probe_output
from tests.provisioning.hostcheck.test_judge import host

HOST = host()
UNITS = [unit_name(HOST, d.name) for d in HOST.disks]


def autostart(output: str) -> dict[str, tuple[Outcome, str]]:
    results = judge(HOST, parse_facts(output), NOW, Limits())
    return {r.check: (r.outcome, r.detail) for r in results if r.check.startswith("boot ")}


def systemd_host(*states: str) -> str:
    units = "\n".join(f"unit {u} {s}" for u, s in zip(UNITS, states, strict=True))
    return probe_output(systemd=f"systemd yes\n{units}")


def test_without_systemd_the_check_passes_saying_what_the_init_must_run() -> None:
    found = autostart(probe_output())

    assert Outcome.OK == found["boot disk1"][0]
    assert (
        "no systemd here: the host's init must run "
        "`lxc-autostart --all --lxcpath=/var/lib/bob/disk1` at boot"
    ) == found["boot disk1"][1]


def test_on_systemd_each_disk_needs_its_unit_enabled() -> None:
    found = autostart(systemd_host("enabled", "disabled"))

    assert (Outcome.OK, f"{UNITS[0]} enabled") == found["boot disk1"]
    assert (Outcome.FAIL, f"{UNITS[1]}: disabled") == found["boot disk2"]


def test_a_missing_unit_does_not_stop_a_create() -> None:
    results = judge(HOST, parse_facts(systemd_host("", "")), NOW, Limits())

    [unit] = [r for r in results if r.check == "boot disk1"]
    assert (Outcome.FAIL, False) == (unit.outcome, unit.gates_create)
    assert f"{UNITS[0]}: not installed" == unit.detail


def autostart_after(prepared: Preparation) -> list[Outcome]:
    # Only these: the fake host's clock is the probes' fixed NOW, not this machine's.
    return [r.outcome for r in prepared.report.results if r.check.startswith("boot ")]


async def test_prepare_writes_the_unit_and_enables_it_for_every_disk() -> None:
    shell = FakeShell()
    enabled: list[str] = []

    def host_answers(argv: tuple[str, ...], stdin: str | None) -> Reply:
        if "bob-host-check" in argv:  # the probe
            return Reply(stdout=systemd_host(*("enabled" if u in enabled else "" for u in UNITS)))
        if argv[:2] == ("systemctl", "enable"):
            enabled.extend(argv[2:])
        return Reply()

    shell.on(respond=host_answers)

    prepared = await prepare_host(HOST, shell)

    writes = [c for c in shell.calls if str(UNIT_PATH) in c.argv]
    assert [UNIT_TEXT] == [c.input for c in writes]
    assert UNITS == enabled
    assert ("systemctl", "daemon-reload") in shell.argvs
    assert [Outcome.OK, Outcome.OK] == autostart_after(prepared)
    assert (f"{UNIT_PATH} (enabled for 2 disk(s))",) == prepared.made


async def test_prepare_leaves_enabled_units_alone() -> None:
    shell = FakeShell()
    shell.on(respond=lambda argv, stdin: Reply(stdout=systemd_host("enabled", "enabled")))

    prepared = await prepare_host(HOST, shell)

    assert () == prepared.made
    assert not any(argv[0] == "systemctl" for argv in shell.argvs)
