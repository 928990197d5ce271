"""Commands run with a timeout, and fail with their command, exit status and stderr."""

import json

import pytest

from provisioning.errors import BobError
from sandbox import SandboxError, sandbox_down, sandbox_status
from sandbox.runner import run


async def test_a_failing_command_raises_with_command_status_and_stderr():
    with pytest.raises(SandboxError) as caught:
        await run(["sh", "-c", "echo oops >&2; exit 3"])
    error = caught.value
    assert (("sh", "-c", "echo oops >&2; exit 3"), 3, "oops\n") == (
        error.command,
        error.returncode,
        error.stderr,
    )
    assert isinstance(error, BobError)
    assert "  command: sh -c 'echo oops >&2; exit 3'\n  exit status: 3\n  stderr: oops" in str(
        error
    )


async def test_a_command_past_its_timeout_is_killed():
    with pytest.raises(SandboxError, match=r"^timed out after 0.2 s\n  command: sleep 30$"):
        await run(["sleep", "30"], timeout=0.2)


async def test_a_missing_program_is_a_sandbox_error():
    with pytest.raises(SandboxError, match=r"^cannot run no-such-program-here"):
        await run(["no-such-program-here"])


async def test_down_and_status_of_an_empty_state_dir_do_nothing(tmp_path):
    assert [] == await sandbox_down(tmp_path)
    status = await sandbox_status(tmp_path)
    assert (None, (), False) == (status.options, status.hosts, status.up)


async def test_a_state_file_bob_does_not_understand_is_refused(tmp_path):
    (tmp_path / "sandbox.json").write_text(json.dumps({"version": 99}))
    with pytest.raises(SandboxError, match="not a sandbox record bob understands"):
        await sandbox_down(tmp_path)
