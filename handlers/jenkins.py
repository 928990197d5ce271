"""Jenkins commands: attach and detach Bobs, and find where Bobs are agents.

The controllers are the truth about nodes (they are read for every decision); bob's records
only say what bob believes, and where the two disagree the overview says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.attachments import Controllers, NodeLists, read_nodes
from handlers.provision import Caller
from handlers.requests import AttachBobs, DetachBobs
from provisioning.config.models import Fleet
from provisioning.errors import BobError, UsageError
from provisioning.jenkins.errors import JenkinsUnreachable
from provisioning.jenkins.rules import Choice, check_label, choose
from provisioning.pipeline.jenkins_steps import AgentRef
from provisioning.pipeline.kinds import ATTACH, DETACH
from provisioning.ports import StateStore
from provisioning.records import BobRecord, JobRecord, NewJob


async def plan_attach(
    fleet: Fleet, store: StateStore, controllers: Controllers, request: AttachBobs
) -> Choice:
    """Which Bobs an attach would take now (``--dry-run``), and why the others not."""
    # Before any controller is asked: a typo costs no round trip.
    check_label(fleet, request.controller, request.label)
    if request.controller not in controllers:
        raise UsageError(f"Jenkins controller {request.controller!r} is not connected")
    nodes = (await read_nodes(controllers)).require_all()
    return choose(
        fleet, request.controller, request.label, request.count, await store.list_bobs(), nodes
    )


async def submit_attach(
    fleet: Fleet,
    store: StateStore,
    controllers: Controllers,
    request: AttachBobs,
    caller: Caller,
) -> tuple[JobRecord, Choice]:
    """An attach job for exactly ``count`` Bobs, or a refusal saying how many are available."""
    try:
        choice = (await plan_attach(fleet, store, controllers, request)).require_all()
    except BobError as exc:
        await store.audit(caller.rejection(exc))
        raise
    agents = [_agent(b, request.controller, request.label) for b in choice.chosen]
    job = await store.create_job(
        NewJob(
            kind=ATTACH,
            params={"agents": [a.model_dump(mode="json") for a in agents]},
            requested_by=caller.actor,
            source=caller.source,
        )
    )
    await store.audit(
        caller.entry(
            "submitted",
            f"job {job.id}: {', '.join(a.name for a in agents)} to "
            f"{request.controller}/{request.label}",
        )
    )
    return job, choice


async def submit_detach(
    store: StateStore, controllers: Controllers, request: DetachBobs, caller: Caller
) -> tuple[JobRecord | None, list[str]]:
    """A detach job for the named agents; also returns the names that are on no controller."""
    try:
        lists = await read_nodes(controllers)
        agents: list[AgentRef] = []
        absent: list[str] = []
        for name in dict.fromkeys(request.names):
            bob = await store.get_bob(name)
            controller = _controller_of(name, bob, lists)
            if controller is None:
                absent.append(name)
            else:
                agents.append(_agent_for(name, bob, controller))
    except BobError as exc:
        await store.audit(caller.rejection(exc))
        raise
    if not agents:
        await store.audit(caller.entry("no-op", f"not attached: {', '.join(absent)}"))
        return None, absent
    job = await store.create_job(
        NewJob(
            kind=DETACH,
            params={"agents": [a.model_dump(mode="json") for a in agents], "wait": request.wait},
            requested_by=caller.actor,
            source=caller.source,
        )
    )
    await store.audit(
        caller.entry(
            "submitted",
            f"job {job.id}: " + ", ".join(f"{a.name} from {a.controller}" for a in agents),
        )
    )
    return job, absent


async def agents_of(
    store: StateStore, controllers: Controllers, names: Sequence[str]
) -> dict[str, str]:
    """Bob name → the controller it is an agent of, for a destroy to detach it first.

    Raises when a Bob is recorded on a controller that cannot be read: destroying it then
    would leave an agent pointing at nothing.
    """
    if not controllers:
        return {}
    lists = await read_nodes(controllers)
    where: dict[str, str] = {}
    for name in names:
        controller = _controller_of(name, await store.get_bob(name), lists)
        if controller is not None:
            where[name] = controller
    return where


def _controller_of(name: str, bob: BobRecord | None, lists: NodeLists) -> str | None:
    found = lists.find(name)
    foreign = [c for c, node in found if not node.managed]
    if foreign:
        raise UsageError(
            f"the node {name} on {', '.join(foreign)} was not made by bob; bob leaves it alone"
        )
    if len(found) > 1:
        raise UsageError(
            f"{name} is an agent of several controllers ({', '.join(c for c, _ in found)}); "
            "remove the extra one by hand first"
        )
    if found:
        return found[0][0]
    if bob is not None and bob.controller is not None:
        if bob.controller in lists.errors:
            raise JenkinsUnreachable(
                bob.controller,
                f"{name} is recorded as its agent but its nodes cannot be read",
                str(lists.errors[bob.controller]),
            )
        return bob.controller  # the node is gone already: the job only clears the record
    return None


def _agent(bob: BobRecord, controller: str, label: str | None) -> AgentRef:
    return AgentRef(
        name=bob.name, host=bob.host, disk=bob.disk, ip=bob.ip, controller=controller, label=label
    )


def _agent_for(name: str, bob: BobRecord | None, controller: str) -> AgentRef:
    if bob is None:
        # A node bob made for a Bob its store no longer has: removable all the same.
        return AgentRef(name=name, host="-", disk="-", controller=controller)
    return _agent(bob, controller, bob.label)
