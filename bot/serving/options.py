"""How ``bob serve`` runs: where it listens, how long jobs get at shutdown, how often it sweeps."""

from __future__ import annotations

from dataclasses import dataclass

from bot.expiry_loop import EXPIRY_SWEEP_S
from bot.slack.confirm import CONFIRM_TTL_S
from bot.slack.deliver import FIRST_BACKOFF_S
from bot.slack.progress import UPDATE_INTERVAL_S
from bot.slack.service import SHUTDOWN_GRACE_S

SWEEP_S = 10.0


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 3000
    grace_s: float = SHUTDOWN_GRACE_S
    confirm_ttl_s: float = CONFIRM_TTL_S
    update_interval_s: float = UPDATE_INTERVAL_S
    retry_backoff_s: float = FIRST_BACKOFF_S
    # How often to look for jobs a dead replica left (0: only at start-up).
    sweep_s: float = SWEEP_S
    # How often to destroy Bobs whose time to live ended or whose agent idled too long (0: never).
    expiry_s: float = EXPIRY_SWEEP_S
    # The web board on the same HTTP server.
    board: bool = True
