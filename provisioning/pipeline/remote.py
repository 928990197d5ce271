"""Small remote file operations built from fixed argv, never from formatted shell text."""

from __future__ import annotations

from provisioning.hosts.errors import CommandFailed
from provisioning.hosts.shell import HostShell

# A fixed script: the path arrives as $1, the content's size in bytes as $2, the content on stdin,
# so none of it is ever parsed by a shell. Writing beside and renaming keeps a half-written file
# from ever being read; the size check keeps a cut-off one from being renamed into place: when
# the SSH connection drops mid-write, `cat` sees the end of its input and exits 0 with part of
# the content (see docs/field-facts.md, sshd).
WRITE = (
    'cat > "$1.bob-tmp" && [ "$(wc -c < "$1.bob-tmp")" -eq "$2" ] && mv -f "$1.bob-tmp" "$1" '
    '|| { rm -f "$1.bob-tmp"; echo "bob: $1 not written (input cut off)" >&2; exit 1; }'
)


def write_argv(path: str, content: str) -> list[str]:
    return ["sh", "-c", WRITE, "sh", path, str(len(content.encode()))]


async def write_file(shell: HostShell, path: str, content: str) -> None:
    await shell.run(write_argv(path, content), input=content)


async def read_file(shell: HostShell, path: str) -> str | None:
    result = await shell.run(["cat", path], check=False)
    return result.stdout if result.exit_status == 0 else None


async def exists(shell: HostShell, path: str) -> bool:
    """True or False as ``test -e`` answers (0 or 1); anything else is no answer and raises.

    Callers decide from this that a container is gone, so a killed or timed-out ``test`` must
    never read as "not there".
    """
    argv = ["test", "-e", path]
    result = await shell.run(argv, check=False)
    if result.exit_status not in (0, 1):
        raise CommandFailed(
            host=shell.name,
            argv=argv,
            exit_status=result.exit_status,
            stderr=result.stderr,
            stdout=result.stdout,
        )
    return result.exit_status == 0
