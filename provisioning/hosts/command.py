"""The exact command line sent to a host for an argv (pure: no I/O).

sshd always hands the command line to the user's login shell (``$SHELL -c LINE``), so the argv
is quoted with ``shlex.join`` and reaches the program verbatim. Two fixed wrappers go in front:

- ``env NAME=VALUE…``: a known PATH and locale, whatever the host's rc files exported (root's
  ``.bashrc`` may put pyenv shims first on PATH). The rc files still run — sshd gives no way
  around the login shell — but their environment no longer decides which program runs.
- ``timeout``: the host itself stops the command at its deadline, TERM then KILL to the whole
  process group. Closing the SSH channel does not: sshd leaves the child running, and it refuses
  the SSH "signal" request for root sessions ("session signalling requires privilege
  separation"), and a remote deadline also holds when bob itself dies mid-command.

The login shell execs ``env`` (a single simple command), ``env`` execs ``timeout``, and
``timeout`` runs the program as its child in a process group of its own.

A command given up before its deadline (its caller was cancelled) is stopped by a second one,
:func:`stop_argv`: ``env`` also sets ``BOB_COMMAND`` to a token unique to the command, and the
stop finds the ``timeout`` process carrying it and signals it and every process under it. That
costs nothing on the usual path (no pid file, nothing to read back) and finds only that one
command.

A token may start with a scope (``SCOPE-``, see :mod:`provisioning.hosts.scope`): a job's step
runs its commands under one, so :func:`stop_scope_argv` finds what a run of that step left
running even after the bob process that ran it died (sshd does not stop a command whose
connection dropped).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence

DEFAULT_ENV: Mapping[str, str] = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    # Untranslated messages (bob reads some), UTF-8 output (bob decodes it as such).
    "LC_ALL": "C.UTF-8",
}
# After TERM at the deadline, how long a command may clean up before KILL.
KILL_AFTER_S = 5
# After TERM to a given-up command, how long it may clean up before KILL (whole seconds).
STOP_GRACE_S = 1
# The variable that names one command on the host (see stop_argv).
TAG_VARIABLE = "BOB_COMMAND"
_TAG = re.compile(r"[A-Za-z0-9_-]+")

# $1: the token; $2: "whole" to match it whole, "scope" to match every token it starts (with
# the "-" that ends a scope, so scope "j-1" never matches "j-12-…"). The process is the
# `timeout` the login shell and env exec'd into. Its descendants are collected by parent pid,
# not by process group: `lxc-attach` runs the command it attaches in a session of its own. TERM
# to all, a moment for them to go, then KILL what is left (what lxc-attach runs has TERM
# blocked). `read` is a builtin, so scanning a busy host's /proc forks only for the one process
# that matches. Prints the pids it stopped.
_STOP = f"""
tag=$1
case "$2" in scope) wanted="^{TAG_VARIABLE}=$tag-" ;; *) wanted="^{TAG_VARIABLE}=$tag\\$" ;; esac
for d in /proc/[0-9]*; do
  read -r comm 2>/dev/null < "$d/comm" || continue
  [ "$comm" = timeout ] || continue
  tr '\\000' '\\n' 2>/dev/null < "$d/environ" | grep -q "$wanted" || continue
  tree=" ${{d#/proc/}} "
  grown=1
  while [ "$grown" = 1 ]; do
    grown=0
    for e in /proc/[0-9]*; do
      p=${{e#/proc/}}
      case "$tree" in *" $p "*) continue ;; esac
      read -r stat 2>/dev/null < "$e/stat" || continue
      set -- ${{stat##*) }}
      case "$tree" in *" $2 "*) tree="$tree$p "; grown=1 ;; esac
    done
  done
  kill -TERM $tree 2>/dev/null
  n=0
  while :; do
    alive=""
    for p in $tree; do
      if kill -0 "$p" 2>/dev/null; then alive="$alive $p"; fi
    done
    if [ -z "$alive" ] || [ "$n" -ge {STOP_GRACE_S * 10} ]; then break; fi
    sleep 0.1; n=$((n + 1))
  done
  if [ -n "$alive" ]; then kill -KILL $alive 2>/dev/null; fi
  echo $tree
done
"""

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def validate_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """``argv`` as a tuple; raises ValueError for an empty argv or an argument exec cannot take."""
    if isinstance(argv, str):
        raise ValueError("argv must be a sequence of arguments, not a string")
    args = tuple(argv)
    if not args or not args[0]:
        raise ValueError("argv must name a program")
    for arg in args:
        if not isinstance(arg, str) or "\0" in arg:
            raise ValueError(f"argv holds an argument that cannot be passed to exec: {arg!r}")
    return args


def remote_command(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] = DEFAULT_ENV,
    tag: str | None = None,
) -> str:
    """The shell-quoted line that runs ``argv`` under ``env`` for at most ``timeout`` seconds.

    ``tag`` (letters, digits, ``-``, ``_``) names the command for :func:`stop_argv`.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    bad = [name for name in env if not _ENV_NAME.match(name)]
    if bad:
        raise ValueError(f"invalid environment variable names: {bad}")
    variables = dict(env)
    if tag is not None:
        variables[TAG_VARIABLE] = _checked_tag(tag)
    wrapper = [
        "env",
        *(f"{name}={value}" for name, value in variables.items()),
        # `timeout` stops parsing options at the duration, so an argv[0] starting with "-" or
        # holding "=" still reaches it as the program (env would take NAME=VALUE as a variable).
        "timeout",
        f"--kill-after={KILL_AFTER_S}",
        f"{timeout:.3f}",
    ]
    return shlex.join([*wrapper, *validate_argv(argv)])


def stop_argv(tag: str) -> list[str]:
    """The argv that stops the command run with ``tag`` and every process under it, if it still
    runs, and returns once they are gone (KILLed if TERM was not enough); it prints their pids."""
    return ["sh", "-c", _STOP, "sh", _checked_tag(tag), "whole"]


def stop_scope_argv(scope: str) -> list[str]:
    """Like :func:`stop_argv`, for every command whose tag starts with ``scope``."""
    return ["sh", "-c", _STOP, "sh", _checked_tag(scope), "scope"]


def _checked_tag(tag: str) -> str:
    # The stop script puts it in a grep pattern; keep it to characters no regex parses.
    if not _TAG.fullmatch(tag):
        raise ValueError(f"a command tag holds letters, digits, - and _ only, not {tag!r}")
    return tag
