"""What of an LXC log explains a failed start: its ERROR lines, not the INFO chatter around them."""

from __future__ import annotations

# Written by lxc-start into the container's directory (``-o``), so it goes with the container.
START_LOG = "bob-start.log"
MAX_LINES = 12
_FALLBACK_LINES = 5
# lxc-start's own closing words ("The container failed to start", "To get more details, run
# the container in foreground mode", …): its stderr already says them, the log adds nothing.
_TOOL_LINES = "lxc_start - "


def excerpt(log: str, limit: int = MAX_LINES) -> list[str]:
    """The last ``limit`` ERROR lines of ``log``; its last few lines if it has none."""
    lines = [line.rstrip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if " ERROR " in line and _TOOL_LINES not in line]
    return errors[-limit:] if errors else lines[-_FALLBACK_LINES:]
