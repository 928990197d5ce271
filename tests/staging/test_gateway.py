"""The gateway against Debian's nginx: one block per environment, tested before every reload,
and a refused block never takes the serving configuration down."""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from provisioning.staging.nginx import Gateway, GatewayError, Upstream, block_path
from tests.staging.peers import Nginx, require_nginx, running_nginx

LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


class _Says(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        text = f"{self.server.says} {self.path} {self.headers.get('X-Bob-Uri', '-')}"  # type: ignore[attr-defined]
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def app() -> Iterator[int]:
    """An upstream answering "app PATH -"."""
    yield from _server("app")


@pytest.fixture
def waker() -> Iterator[int]:
    """Stands in for bob's wake endpoint: answers "wake PATH X-Bob-Uri"."""
    yield from _server("wake")


def _server(says: str) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Says)
    server.says = says  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    require_nginx()
    with running_nginx(tmp_path / "nginx") as running:
        yield running


async def answered(nginx: Nginx, host: str, want: str) -> str:
    """One request, right after the change: a route is in force once ``route`` returns."""
    _, body = await asyncio.to_thread(nginx.get, host, "/x?y=1", 5.0)
    assert body.startswith(want), body
    return body


async def test_an_environment_is_routed_to_its_bob_and_to_the_wake_endpoint_when_off(
    nginx: Nginx, app: int, waker: int
) -> None:
    gateway = Gateway(nginx.gateway(f"http://127.0.0.1:{waker}"))

    await gateway.route("pr-1", "pr-1.staging.test", Upstream(LOOPBACK, app))
    assert "app /x?y=1 -" == await answered(nginx, "pr-1.staging.test", "app")

    await gateway.route("pr-1", "pr-1.staging.test", None)
    assert "wake /stage/wake/pr-1 /x?y=1" == await answered(nginx, "pr-1.staging.test", "wake")
    assert gateway.last_request("pr-1") is not None

    assert await gateway.unroute("pr-1")
    assert "no such environment" == (await answered(nginx, "pr-1.staging.test", "no such")).strip()
    assert set() == gateway.routed()


async def test_a_refused_block_changes_nothing_and_the_others_keep_being_served(
    nginx: Nginx, app: int, waker: int
) -> None:
    gateway = Gateway(nginx.gateway(f"http://127.0.0.1:{waker}"))
    await gateway.route("pr-1", "pr-1.staging.test", Upstream(LOOPBACK, app))
    before = block_path(gateway.settings, "pr-1").read_text()

    # Port 0 is what nginx -t refuses ("invalid port in upstream"): a new block and a changed one.
    with pytest.raises(GatewayError, match="previous one kept"):
        await gateway.route("pr-2", "pr-2.staging.test", Upstream(LOOPBACK, 0))
    with pytest.raises(GatewayError, match="invalid port"):
        await gateway.route("pr-1", "pr-1.staging.test", Upstream(LOOPBACK, 0))

    assert {"pr-1"} == gateway.routed()
    assert before == block_path(gateway.settings, "pr-1").read_text()
    assert [] == sorted(
        p.name
        for p in gateway.settings.conf_dir.iterdir()
        if "bob-" in p.name and not p.name.endswith(".conf")
    )
    # Reloading now (as the next change would) serves what was there before.
    await gateway.route("pr-3", "pr-3.staging.test", Upstream(LOOPBACK, app))
    assert (await answered(nginx, "pr-1.staging.test", "app")).startswith("app /x")
    await answered(nginx, "pr-3.staging.test", "app")
