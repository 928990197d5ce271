"""Free loopback ports for the daemons the tests start."""

from __future__ import annotations

import socket


def free_port(*, udp_too: bool = False) -> int:
    """A port free on 127.0.0.1 right now, for TCP (and for UDP as well when asked: named)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            if not udp_too:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
