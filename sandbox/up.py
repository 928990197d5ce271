"""``sandbox up``: build the fleet of namespace hosts and its DNS, or check the one already built.

Order matters: the blackhole first (nothing in 10.250/16 can leave the machine from then on),
then the record (so ``down`` can clean whatever exists if we stop halfway), then the DNS server
(much cheaper to fail on than the hosts), then the hosts. A failed ``up`` removes what it built
before raising. On a sandbox already up, a named that died is started again on its data.
"""

from __future__ import annotations

import asyncio
import json
import pwd
from pathlib import Path

from sandbox import base, debian, dns_server, mounts, network, sshd, state
from sandbox.bind_config import bind_layout
from sandbox.down import sandbox_down
from sandbox.errors import SandboxError
from sandbox.fleet_config import render_fleet_config, write_fleet_config
from sandbox.inside import HostView
from sandbox.layout import BTRFS_IMAGE_SIZE, HostLayout, host_layouts
from sandbox.options import HostInfo, SandboxInfo, SandboxOptions
from sandbox.paths import StatePaths
from sandbox.runner import run

SSH_READY_TIMEOUT = 10.0
MKFS_TIMEOUT = 60


async def sandbox_up(options: SandboxOptions) -> SandboxInfo:
    """Build the sandbox described by ``options``; a no-op health check if it is already up."""
    await network.ensure_blackhole()  # first, every time: it may have been removed by hand
    paths = StatePaths(options.state_dir)
    recorded = state.read(paths)
    if recorded is not None:
        return await _check_existing(recorded, options, paths)
    layouts = host_layouts(options)
    await network.check_free(layouts)
    dns_server.check_startable(bind_layout(options))
    if not paths.state_dir.exists():
        paths.state_dir.mkdir(parents=True)
        paths.state_dir.chmod(0o700)  # it will hold the private key that opens every host
    # A new sandbox has no Bobs: records left in its directory describe a fleet that is gone.
    for stale in paths.store_files:
        stale.unlink(missing_ok=True)
    state.write(options)
    try:
        await _build(options, paths, layouts)
    except BaseException as exc:
        _add_log_notes(exc, layouts)
        try:
            await sandbox_down(options.state_dir)
        except SandboxError as cleanup:
            exc.add_note(f"removing the half-built sandbox failed too: {cleanup}")
        raise
    return info_for(options)


def info_for(options: SandboxOptions) -> SandboxInfo:
    return SandboxInfo(
        config_path=StatePaths(options.state_dir).fleet_config,
        hosts=tuple(HostInfo(h.name, h.namespace, str(h.host_ip)) for h in host_layouts(options)),
        backend=options.backend,
        base=options.base,
        state_dir=options.state_dir,
        dns_port=options.dns_port,
    )


async def _check_existing(
    recorded: SandboxOptions, wanted: SandboxOptions, paths: StatePaths
) -> SandboxInfo:
    if not recorded.same_fleet(wanted):
        raise SandboxError(
            f"a sandbox is already up in {paths.state_dir} with {recorded.describe()}; "
            f"you asked for {wanted.describe()}. Run `sandbox down` first."
        )
    if not paths.fleet_config.exists():  # written last: its absence means up never finished
        raise SandboxError(
            f"the sandbox in {paths.state_dir} was never finished (an `up` was interrupted). "
            "Run `sandbox down`, then `sandbox up`."
        )
    layouts = host_layouts(recorded)
    dead = [h.name for h in layouts if sshd.our_pid(h) is None]
    if dead:
        raise SandboxError(
            f"the sandbox in {paths.state_dir} is recorded as up but the sshd of "
            f"{', '.join(dead)} is not running (a reboot?). Run `sandbox down`, then `sandbox up`."
        )
    await asyncio.gather(*(sshd.wait_answering(h, paths, timeout=0) for h in layouts))
    await dns_server.ensure_running(bind_layout(recorded))
    if paths.fleet_config.read_text(encoding="utf-8") != render_fleet_config(recorded):
        # built by an older bob (before the sandbox had DNS, say): bring its config up to date
        write_fleet_config(recorded)
    return info_for(recorded)


async def _build(
    options: SandboxOptions, paths: StatePaths, layouts: tuple[HostLayout, ...]
) -> None:
    bind = bind_layout(options)
    dns_server.write_files(bind, fresh=True)  # a new sandbox: no zone data of an old one
    await dns_server.start(bind)
    await sshd.make_key(paths.client_key, "bob-sandbox")
    paths.authorized_keys.write_text(paths.client_public_key.read_text())
    base.write_base_lxc_config(paths)
    # debootstrap (slow, cached) once, before the hosts are built in parallel
    debian_rootfs = await debian.ensure_rootfs(options) if options.base == "debian" else None
    # sequential: `ip netns add` sets up /run/netns on first use and is not safe to race there
    for layout in layouts:
        await network.create_host_network(layout)
    cgroups = mounts.root_cgroup_mounts()
    pids = await asyncio.gather(*(_start_host(h, options, paths, cgroups) for h in layouts))
    paths.known_hosts.write_text("".join(sshd.known_hosts_line(h) for h in layouts))
    await asyncio.gather(*(sshd.wait_answering(h, paths, SSH_READY_TIMEOUT) for h in layouts))
    await asyncio.gather(
        *(
            base.prepare(HostView(h.name, pid), options, paths, debian_rootfs)
            for h, pid in zip(layouts, pids, strict=True)
        )
    )
    write_fleet_config(options)


async def _start_host(
    layout: HostLayout, options: SandboxOptions, paths: StatePaths, cgroups: list[mounts.Mount]
) -> int:
    for directory in (layout.lxc_dir, layout.run_lxc_dir, layout.cache_lxc_dir):
        directory.mkdir(parents=True, exist_ok=True)
    if options.backend == "btrfs":
        await run(["truncate", "-s", BTRFS_IMAGE_SIZE, str(layout.storage_image)])
        await run(["mkfs.btrfs", "-q", "-f", str(layout.storage_image)], timeout=MKFS_TIMEOUT)
    else:
        layout.storage_dir.mkdir(exist_ok=True)
    layout.bashrc.write_text(mounts.BASHRC_LINE)
    await sshd.make_key(layout.host_key, layout.name)
    layout.sshd_config.write_text(sshd.sshd_config(layout, paths))
    spec = mounts.init_spec(layout, options, cgroups, _root_bashrc())
    layout.init_spec.write_text(json.dumps(spec, indent=1))
    return await sshd.start(layout)


def _root_bashrc() -> Path | None:
    """Root's .bashrc on this machine may run pyenv init (~0.1-0.3 s per SSH command): each
    host gets a one-line one over it. Nothing to cover if there is none."""
    path = Path(pwd.getpwnam("root").pw_dir) / ".bashrc"
    return path if path.is_file() else None


def _add_log_notes(exc: BaseException, layouts: tuple[HostLayout, ...]) -> None:
    """The hosts' logs explain most failures, and ``down`` is about to delete them."""
    for layout in layouts:
        for log in (layout.init_log, layout.sshd_log):
            try:
                text = log.read_text(errors="replace").strip()
            except OSError:
                continue
            if text:
                exc.add_note(f"{layout.name} {log.name}: {text[-1500:]}")
