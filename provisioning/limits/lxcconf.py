"""The limit lines of a Bob's LXC config, read and rewritten (pure).

Only the exact keys of :data:`provisioning.lxc.cgroups.FILES` for the host's layout are
touched (``lxc.cgroup.dir`` and other cgroup keys are kept). A key given a value replaces its
first line in place and drops any repeat; a key given None loses its lines, so the restarted
Bob gets the kernel's default back.
"""

from __future__ import annotations

from collections.abc import Mapping

from provisioning.lxc.cgroups import FILES, CgroupLayout


def _key(line: str, layout: CgroupLayout) -> str | None:
    """The cgroup file a config line sets on ``layout``, or None for any other line."""
    name, eq, _ = line.partition("=")
    prefix = layout.config_prefix + "."
    name = name.strip()
    if not eq or not name.startswith(prefix):
        return None
    file = name.removeprefix(prefix)
    return file if file in FILES[layout].values() else None


def configured(config: str, layout: CgroupLayout) -> dict[str, str]:
    """cgroup file → the value the config gives it (the last line wins, as in LXC)."""
    values: dict[str, str] = {}
    for line in config.splitlines():
        file = _key(line, layout)
        if file is not None:
            values[file] = line.partition("=")[2].strip()
    return values


def with_values(config: str, layout: CgroupLayout, values: Mapping[str, str | None]) -> str:
    """``config`` with each file of ``values`` set to its value (None: no line at all)."""
    out: list[str] = []
    written: set[str] = set()
    for line in config.splitlines():
        file = _key(line, layout)
        if file is None or file not in values:
            out.append(line)
            continue
        value = values[file]
        if value is not None and file not in written:
            out.append(f"{layout.config_prefix}.{file} = {value}")
        written.add(file)
    while out and not out[-1].strip():
        out.pop()
    out += [
        f"{layout.config_prefix}.{file} = {value}"
        for file, value in values.items()
        if value is not None and file not in written
    ]
    return "\n".join(out) + "\n"
