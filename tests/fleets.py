"""Small fleets for tests, built from the real config models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provisioning.config.models import Fleet


def make_fleet(
    layout: Sequence[Sequence[int]] = ((4, 5, 5),),
    *,
    drained: Sequence[str] = (),
    width: int = 3,
    cidr: str = "10.250.1.0/24",
    reserved: Sequence[tuple[str, str]] = (),
) -> Fleet:
    """A fleet of hosts host-a, host-b, … whose disks take the given numbers of Bobs."""
    hosts: list[dict[str, Any]] = []
    for i, disks in enumerate(layout):
        name = f"host-{chr(ord('a') + i)}"
        hosts.append(
            {
                "name": name,
                "ssh": {"address": f"10.250.0.{4 * i + 2}"},
                "datacenter": "dc1",
                "disks": [{"name": f"disk{j + 1}", "max_bobs": n} for j, n in enumerate(disks)],
                "drained": name in drained,
            }
        )
    network = cidr.rsplit(".", 1)[0]
    return Fleet.model_validate(
        {
            "naming": {"prefix": "bob", "width": width},
            "hosts": hosts,
            "subnets": [
                {
                    "cidr": cidr,
                    "gateway": f"{network}.1",
                    "datacenter": "dc1",
                    "reserved": [{"first": a, "last": b} for a, b in reserved],
                }
            ],
        }
    )
