"""``bob create`` as a person at a terminal sees it, on a real sandbox.

In a pseudo-terminal, the job is a table redrawn in place, a row per Bob with its host, step
and elapsed time over a bar for the whole job, and it ends with a summary: each Bob's
host/disk, address, base version and time, and the command to run next. Piped (or with
``--plain``), the same command prints lines, without a single escape code, each lane's host
said once in its header.

The terminal's pane is saved as pictures (SVG, and the text beside them) in
``$BOB_TEST_ARTIFACTS`` (default: the test's tmp directory): one mid-job, one at the end.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxInfo
from tests.provisioning.pipeline.cli_world import BobCli, bob_cli, cleaned_up
from tests.terminal import Screen, run_in_pty

pytestmark = pytest.mark.slow

RUNNING_ROW = re.compile(r"^bob00\d +host-\w +\w+ … +\d+\.\ds")
SUMMARY_ROW = re.compile(r"^bob00\d +host-\w/\w+ +10\.250\.\d+\.\d+ +v\d+ +\d+\.\ds +ready$")


@pytest.fixture
def cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    yield from cleaned_up(bob_cli(overlay, tmp_path))


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    return Path(os.environ.get("BOB_TEST_ARTIFACTS") or tmp_path / "artifacts")


def test_a_create_at_a_terminal_is_a_live_table_of_its_bobs_then_a_summary(
    cli: BobCli, artifacts: Path
) -> None:
    run = run_in_pty(cli.argv("create", "2"), cli.env)

    screen, busiest = Screen(), (0, Screen())
    for chunk in run.chunks:  # the pane as it was after each write: the busiest is mid-job
        screen.feed(chunk.decode(errors="replace"))
        running = sum(bool(RUNNING_ROW.match(line)) for line in screen.lines())
        if running >= max(busiest[0], 1):  # the last of the busiest frames: the most done
            busiest = (running, Screen(rows=[list(r) for r in screen.rows]))
    busiest[1].save(artifacts / "cli-create-live", "bob create 2 (while it runs)")
    screen.save(artifacts / "cli-create-done", "bob create 2")
    end = screen.lines()

    assert 0 == run.returncode, run.text
    assert busiest[0] >= 1, "no frame showed a Bob at a running step:\n" + run.text
    frame = busiest[1].lines()
    assert any(line.split()[:4] == ["Bob", "host", "step", "elapsed"] for line in frame)
    assert any(re.search(r"━+.* \d+/\d+ steps$", line) for line in frame), frame
    assert "\x1b[1A" in run.text  # redrawn in place: the cursor goes back up over the table
    # At the end the table has given way to the summary
    assert not any(line.endswith(" steps") for line in end), end
    assert any(re.fullmatch(r"job \w+ \(create\) succeeded in [\d.]+s", line) for line in end)
    assert 2 == sum(bool(SUMMARY_ROW.match(line)) for line in end), end
    assert end[-1].startswith("next: "), end
    assert end[-1].endswith((" list", " LABEL")), end


def test_piped_or_plain_the_same_create_prints_lines_without_escape_codes(cli: BobCli) -> None:
    piped = cli("create", "1")
    plain = run_in_pty(cli.argv("create", "1", "--plain"), cli.env)

    assert (0, "") == (piped.returncode, piped.stderr)
    assert 0 == plain.returncode, plain.text
    for lines in (piped.stdout.splitlines(), plain.text.splitlines()):
        assert not any("\x1b" in line for line in lines), lines
        assert lines[0].startswith("job ")
        assert 1 == sum(bool(re.fullmatch(r"  bob00\d on host-\w", line)) for line in lines)
        reserve = next(line for line in lines if re.match(r"  bob00\d +reserve ", line))
        assert "@" not in reserve
        assert re.fullmatch(r"job \w+ succeeded in [\d.]+s", lines[-1]), lines[-1]


@pytest.fixture
def slow_cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    yield from cleaned_up(bob_cli(overlay, tmp_path, bootstrap=["sleep", "3"]))


def test_ctrl_c_at_a_terminal_leaves_the_table_as_it_stopped_then_says_how_to_go_on(
    slow_cli: BobCli,
) -> None:
    bootstrapping = "SELECT 1 FROM journal WHERE step = 'bootstrap' AND event = 'started'"
    run = run_in_pty(
        slow_cli.argv("create", "1"),
        slow_cli.env,
        interrupt_when=lambda: bool(slow_cli._rows_if_ready(bootstrapping, ())),
    )
    screen = Screen()
    screen.feed(run.text)
    shown = screen.lines()

    assert 130 == run.returncode, run.text
    assert any(re.match(r"^bob001 +host-\w +bootstrap stopped ", line) for line in shown), shown
    assert any(
        re.fullmatch(r"job \w+ interrupted; nothing works on it until you choose:", line)
        for line in shown
    ), shown
    # the frame stays, then the way on; the terminal has its cursor back (shown after hidden)
    assert shown[-5].endswith(" steps"), shown
    assert shown[-1] == "bob: interrupted", shown
    assert "\x1b[?25h" in run.text, repr(run.text[-600:])
    assert run.text.rindex("\x1b[?25h") > run.text.rindex("\x1b[?25l"), repr(run.text[-600:])


@pytest.fixture
def failing_cli(overlay: SandboxInfo, tmp_path: Path) -> Iterator[BobCli]:
    bootstrap = [
        "sh",
        "-c",
        "echo Reading package lists... >&2; echo E: Unable to locate package openjdk >&2; exit 100",
    ]
    yield from cleaned_up(bob_cli(overlay, tmp_path, bootstrap=bootstrap))


def test_a_failed_create_at_a_terminal_ends_with_the_bob_host_step_and_what_went_wrong(
    failing_cli: BobCli, artifacts: Path
) -> None:
    run = run_in_pty(failing_cli.argv("create", "1"), failing_cli.env)
    screen = Screen()
    screen.feed(run.text)
    screen.save(artifacts / "cli-create-failed", "bob create 1 (its bootstrap fails)")
    end = screen.lines()

    assert 1 == run.returncode, run.text
    assert any(re.fullmatch(r"job \w+ \(create\) failed in [\d.]+s", line) for line in end), end
    failures = end[next(i for i, line in enumerate(end) if line.startswith("failed ")) :]
    assert re.fullmatch(
        r"bob001 +host-\w +bootstrap +E: Unable to locate package openjdk", failures[1]
    ), failures
    assert re.fullmatch(r"next: \S+ job \w+ +shows every step and its full output", end[-1]), end
    assert not any("lxc-attach" in line for line in end), end


def test_resume_at_a_terminal_ends_with_the_same_summary_as_create(slow_cli: BobCli) -> None:
    bootstrapping = "SELECT 1 FROM journal WHERE step = 'bootstrap' AND event = 'started'"
    run_in_pty(
        slow_cli.argv("create", "1"),
        slow_cli.env,
        interrupt_when=lambda: bool(slow_cli._rows_if_ready(bootstrapping, ())),
    )

    resumed = run_in_pty(slow_cli.argv("resume"), slow_cli.env)  # every unfinished job
    screen = Screen()
    screen.feed(resumed.text)
    end = screen.lines()

    assert 0 == resumed.returncode, resumed.text
    assert 1 == sum(bool(SUMMARY_ROW.match(line)) for line in end), end
