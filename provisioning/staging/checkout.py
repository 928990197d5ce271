"""A branch's tree, fetched on bob's machine and shipped into the Bob as a tar stream.

The Bob needs neither git nor a route to the Git host: bob clones (shallow, one branch), packs
the tree with ``git archive`` and unpacks it in the Bob over the host's SSH connection.
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass

from provisioning.errors import BobError
from provisioning.staging.local import run_local

GIT_TIMEOUT_S = 120.0
APP_DIR = "/srv/app"
# Fixed script: the directory arrives as $1, the tar (base64, so it travels as text) on stdin.
UNPACK = 'rm -rf "$1" && mkdir -p "$1" && base64 -d | tar -x -f - -C "$1"'


class CheckoutError(BobError):
    """The branch could not be fetched."""


@dataclass(frozen=True)
class Tree:
    commit: str
    tar_b64: str


async def _git(*argv: str) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    ran = await run_local(["git", *argv], GIT_TIMEOUT_S, env)
    if ran.status is None:
        raise CheckoutError(f"git {argv[0]} did not finish in {GIT_TIMEOUT_S:g} s")
    if ran.status != 0:
        raise CheckoutError(f"git {argv[0]} failed: {ran.said()}")
    return ran.stdout


async def fetch_tree(url: str, branch: str) -> Tree:
    """The tip of ``branch`` at ``url``: its commit and its files as a base64 tar."""
    with tempfile.TemporaryDirectory(prefix="bob-stage-") as tmp:
        work = os.path.join(tmp, "tree")
        await _git(
            "clone", "--quiet", "--depth", "1", "--single-branch", "--branch", branch,
            "--", url, work,
        )  # fmt: skip
        commit = (await _git("-C", work, "rev-parse", "HEAD")).decode().strip()
        tar = await _git("-C", work, "archive", "--format=tar", "HEAD")
    return Tree(commit, base64.b64encode(tar).decode())


def unpack_argv() -> list[str]:
    return ["sh", "-c", UNPACK, "sh", APP_DIR]


def in_app_argv(env: dict[str, str], command: tuple[str, ...]) -> list[str]:
    """``command`` in the checkout with the configured variables (argv, never shell text)."""
    variables = [f"{k}={v}" for k, v in sorted(env.items())]
    path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return [
        "env", path, "HOME=/root", *variables,
        "sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", APP_DIR, *command,
    ]  # fmt: skip
