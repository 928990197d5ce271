"""`bob attach` and `bob detach` refuse bad input before any controller is asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "config" / "example.yaml")


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["attach", "3", "to", "ci-nope", "heavy"],
            "unknown Jenkins controller 'ci-nope'; known: ci-main",
        ),
        (
            ["attach", "3", "to", "ci-main", "medium"],
            "label 'medium' is not configured for ci-main; known: heavy, light",
        ),
        (["attach", "3", "to", "ci-main", "x'y"], "LABEL: must be a Jenkins label"),
        (["attach", "3", "to", "ci-main", "${x}"], "LABEL: must be a Jenkins label"),
        (["attach", "0", "to", "ci-main", "heavy"], "N: must be a whole number"),
        (["attach", "1", "to", "Bad_Name", "heavy"], "CONTROLLER: must be a controller name"),
        (["detach", "bob'1"], "NAME: must be a host name"),
        (["detach", "bob001", "--wait", "-1"], "--wait: must be a number of seconds"),
    ],
)
def test_bad_input_is_refused_with_exit_2_and_nothing_contacted(capsys, argv, message):
    code = main([*argv, "--config", EXAMPLE])

    _, err = capsys.readouterr()
    assert (2, f"bob: {message}") == (code, err.strip()[: len(f"bob: {message}")])


def test_attach_needs_the_word_to(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["attach", "3", "ci-main", "heavy", "--config", EXAMPLE])

    assert 2 == exited.value.code
    assert "invalid choice: 'ci-main' (choose from 'to')" in capsys.readouterr().err


def test_detach_without_controllers_says_so(capsys, tmp_path):
    config = tmp_path / "bob.yaml"
    config.write_text(Path(EXAMPLE).read_text().split("\njenkins:")[0] + "\n")

    code = main(["detach", "bob001", "--config", str(config)])

    assert (2, "bob: no Jenkins controllers are configured") == (
        code,
        capsys.readouterr().err.strip(),
    )
