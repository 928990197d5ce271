"""Is a host ready for Bobs? One probe per host, judged check by check.

    check_hosts(hosts, shells, limits)  -> list[HostReport]   one line per check per host
    prepare_host(host, shell, limits)   -> Preparation        make what bob owns, refuse the rest
    CreatePreflight(fleet, shells)      (plan) -> None        create's gate, before reserving

What bob owns on a host is its storage layout: each disk's lxcpath ``{storage.root}/{disk}``
and the base lxcpath ``{storage.root}/base``. Everything else a check looks at (LXC, cgroups,
the bridge, the storage filesystem, LVM volume groups, the clock) is the operator's.
"""

from provisioning.hostcheck.model import CheckResult, HostReport, Limits, Outcome
from provisioning.hostcheck.preflight import CreatePreflight, HostNotReady
from provisioning.hostcheck.prepare import Preparation, prepare_host
from provisioning.hostcheck.run import check_host, check_hosts

__all__ = [
    "CheckResult",
    "CreatePreflight",
    "HostNotReady",
    "HostReport",
    "Limits",
    "Outcome",
    "Preparation",
    "check_host",
    "check_hosts",
    "prepare_host",
]
