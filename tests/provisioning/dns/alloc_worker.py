"""A second OS process for the allocation race (see ``test_concurrency.py``).

Protocol, one line each way, so the parent can line the processes up:

    parent → worker   {"port": 5353, "names": ["pa01", ...], "job": "job-a", "strategy": "axfr"}
                      (the TSIG secret comes in $BOB_DNS_TSIG_SECRET, never on a command line)
    worker → parent   ready           (imports done, client built: the race is between claims)
    parent → worker   go
    worker → parent   {"claims": [["pa01", "10.250.1.12"], ...]}
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
from typing import Any

from provisioning.config.models import DnsSettings
from provisioning.dns import DnsClient, claim_first_free, secret_from_env
from tests.provisioning.dns.conftest import subnet


async def main() -> None:
    request: dict[str, Any] = json.loads(sys.stdin.readline())
    settings = DnsSettings(
        server=ipaddress.IPv4Address("127.0.0.1"),
        port=request["port"],
        tsig_key_name="bob-key",
        timeout=5.0,
    )
    client = DnsClient(settings, secret_from_env(settings))
    print("ready", flush=True)
    go = await asyncio.to_thread(sys.stdin.readline)
    if go.strip() != "go":
        raise SystemExit(f"expected 'go', got {go!r}")
    claims = await asyncio.gather(
        *(
            claim_first_free(
                client,
                [subnet()],
                held=set(),
                name=name,
                job_id=request["job"],
                strategy=request["strategy"],
            )
            for name in request["names"]
        )
    )
    names = request["names"]
    print(
        json.dumps({"claims": [[n, str(a)] for n, (_, a) in zip(names, claims, strict=True)]}),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
