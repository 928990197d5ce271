"""A second OS process for the store's concurrency tests (see ``processes.py``).

Protocol on stdin/stdout, one JSON line each way, so the parent can line processes up:

    parent → worker   {"url": ..., "action": "open"}
                   or {"url": ..., "action": "reserve", "fleet": {...}, "counts": [1, 3, ...]}
    worker → parent   ready        (for "reserve": after opening the store, so the race is
                                    between reservations, not between migrations)
    parent → worker   go
    worker → parent   {"opened": true} or {"outcomes": [{"count": n, "job": id, "names": [...]}
                                                       | {"count": n, "refused": available}]}
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from provisioning.config import Fleet
from provisioning.store import SqlStore
from tests.provisioning.store.helpers import Granted, attempt


async def main() -> None:
    request: dict[str, Any] = json.loads(sys.stdin.readline())
    if request["action"] == "open":
        await _handshake()
        store = await SqlStore.open(request["url"])
        await store.close()
        _say({"opened": True})
        return
    fleet = Fleet.model_validate(request["fleet"])
    store = await SqlStore.open(request["url"])
    try:
        await _handshake()
        outcomes = await asyncio.gather(*(attempt(store, fleet, n) for n in request["counts"]))
    finally:
        await store.close()
    _say(
        {
            "outcomes": [
                {"count": n, "job": o.job.id, "names": o.plan.names}
                if isinstance(o, Granted)
                else {"count": n, "refused": o.available}
                for n, o in zip(request["counts"], outcomes, strict=True)
            ]
        }
    )


async def _handshake() -> None:
    print("ready", flush=True)
    go = await asyncio.to_thread(sys.stdin.readline)
    if go.strip() != "go":
        raise SystemExit(f"expected 'go', got {go!r}")


def _say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
