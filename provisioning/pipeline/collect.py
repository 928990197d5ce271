"""Garbage collection of a host's old base versions: only what no clone can still need.

An overlay clone reads its base as lower dir for as long as it exists; dir copies, btrfs
snapshots and LVM volumes are independent of their base once made. A version is kept while
any container config on the host names it, while a Bob record on an overlay host says it came
from it, and while Bobs are being created on the host at all (a clone may have read the
current pointer just before a swap). Run by rebuild-base after its swap and by destroy after
each Bob is gone; never while another rebuild holds the host's lock.
"""

from __future__ import annotations

from provisioning.errors import BobError
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.host_bases import HostBases


async def collect_unused(
    pipeline: Pipeline, host: str, ctx: StepContext, *, rebuild_job: str | None = None
) -> list[str]:
    """Remove the host's unused old base versions; the names removed.

    ``rebuild_job``: the rebuild holding the host's lock, which may collect under it.
    """
    hostcfg = pipeline.host(host)
    bases = HostBases(pipeline.shell(host), hostcfg)
    state = await bases.state()
    if state.lock_text is not None or (state.lock and state.lock.job_id != rebuild_job):
        holder = state.lock.job_id if state.lock else "unknown"
        await ctx.log(f"{host}: a rebuild (job {holder}) is under way; it collects old bases")
        return []
    old = state.old_versions()
    if not old:
        return []
    if any(r.host == host for r in await pipeline.store.list_reservations()):
        await ctx.log(f"{host}: Bobs are being created; old bases are collected later")
        return []
    in_use = await bases.referenced()
    if hostcfg.storage.backend == "overlay":
        in_use |= {
            old[bob.base_version]
            for bob in await pipeline.store.list_bobs()
            if bob.host == host and bob.base_version in old
        }
    removed: list[str] = []
    for version, name in sorted(old.items()):
        if name in in_use:
            await ctx.log(f"{host}: kept {name}: Bobs cloned from it still use it")
            continue
        try:
            if not await bases.remove(name):
                continue
        except BobError as exc:
            # The Bobs are fine either way; the next collection tries again.
            await ctx.log(f"{host}: could not remove old base {name}: {exc}")
            continue
        removed.append(name)
        await ctx.log(f"{host}: removed old base {name} (v{version}), nothing uses it")
    return removed
