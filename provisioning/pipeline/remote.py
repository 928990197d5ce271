"""Small remote file operations built from fixed argv, never from formatted shell text."""

from __future__ import annotations

from provisioning.hosts.shell import HostShell

# A fixed script: the path arrives as $1, the content on stdin, so neither is ever parsed by a
# shell. Writing beside and renaming keeps a half-written config from ever being read.
_WRITE = 'cat > "$1.bob-tmp" && mv -f "$1.bob-tmp" "$1"'


async def write_file(shell: HostShell, path: str, content: str) -> None:
    await shell.run(["sh", "-c", _WRITE, "sh", path], input=content)


async def read_file(shell: HostShell, path: str) -> str | None:
    result = await shell.run(["cat", path], check=False)
    return result.stdout if result.exit_status == 0 else None


async def exists(shell: HostShell, path: str) -> bool:
    return (await shell.run(["test", "-e", path], check=False)).exit_status == 0
