"""Block Kit for bob's Slack messages; every message also carries a plain-text ``text``."""

from __future__ import annotations

from typing import Any

from bot.slack.view import JobView
from provisioning.records import JobState

Block = dict[str, Any]
CONFIRM_ACTION = "bob_confirm"
CANCEL_ACTION = "bob_cancel"
# Slack refuses a section longer than 3000 characters.
SECTION_LIMIT = 2900

_STATE_EMOJI = {
    JobState.SUCCEEDED: ":white_check_mark:",
    JobState.FAILED: ":x:",
    JobState.CANCELLED: ":no_entry_sign:",
}


def _text(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}}


def _context(mrkdwn: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn[:SECTION_LIMIT]}]}


def code(text: str) -> str:
    return f"```{text}```"


def job_summary(view: JobView) -> list[Block]:
    emoji = _STATE_EMOJI.get(view.state, ":hourglass_flowing_sand:") if view.state else ":gear:"
    blocks = [_text(f"{emoji} *{view.headline()}*"), _text(code(view.progress_bar()))]
    if view.lanes:
        blocks.append(_text(code("\n".join(view.lane_lines()))))
    # The error is told once, in its thread reply; the parent says only where it stands.
    blocks.append(_context(view.footer()))
    return blocks


def final_summary(view: JobView) -> list[Block]:
    head, *rest = view.final_summary().splitlines()
    emoji = _STATE_EMOJI.get(view.state, ":grey_question:") if view.state else ":grey_question:"
    blocks = [_text(f"{emoji} *{head}*")]
    if rest:
        blocks.append(_text(code("\n".join(rest))))
    return blocks


def reply(text: str) -> list[Block]:
    return [_text(text)]


def confirmation(token: str, question: str, plan: str, expires_in_s: float) -> list[Block]:
    minutes = max(1, round(expires_in_s / 60))
    return [
        _text(f":warning: *{question}*"),
        _text(code(plan)),
        {
            "type": "actions",
            "block_id": "bob_confirmation",
            "elements": [
                {
                    "type": "button",
                    "action_id": CONFIRM_ACTION,
                    "text": {"type": "plain_text", "text": "Confirm"},
                    "style": "danger",
                    "value": token,
                },
                {
                    "type": "button",
                    "action_id": CANCEL_ACTION,
                    "text": {"type": "plain_text", "text": "Cancel"},
                    "value": token,
                },
            ],
        },
        _context(f"Only the requester or an admin may confirm; expires in {minutes} min."),
    ]


def settled(question: str, outcome: str) -> list[Block]:
    """A confirmation message once answered: the buttons are gone."""
    return [_text(f"*{question}*"), _context(outcome)]
