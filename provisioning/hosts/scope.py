"""Which job step a remote command belongs to, carried to the host in the command's tag.

A bob process that dies mid-step (SIGKILL, a crash, a lost machine) leaves the step's command
running on the host: sshd does not stop a command whose connection dropped. The runner that
takes the job over must stop that command before it checks or undoes the step, or the two race
(a half-made clone still being written while the check decides it is missing). Tagging every
command with its step's scope lets a later process find exactly those commands.

The scope lives in a context variable so that a step's code need not pass it to each call:
:func:`in_scope` is entered around the step, every command run under it is tagged.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_scope: ContextVar[str | None] = ContextVar("bob_command_scope", default=None)


def step_scope(job_id: str, index: int) -> str:
    """The scope of step ``index`` of job ``job_id`` (a job id holds letters and digits)."""
    return f"{job_id}-{index}"


@contextmanager
def in_scope(scope: str) -> Iterator[None]:
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def new_tag() -> str:
    """A tag unique to one command, starting with the current scope if there is one."""
    unique = secrets.token_hex(8)
    scope = _scope.get()
    return unique if scope is None else f"{scope}-{unique}"
