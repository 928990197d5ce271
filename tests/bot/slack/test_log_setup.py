"""Serving Slack leaves bob's log set-up alone: Bolt sets the level of the logger named after
its app to the root's, so an app named "bob" would silence (or flood) every bob.* logger
whatever `-v` and `--log-format` asked for."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.bot.slack.harness import slack_bot, with_access
from tests.fleets import make_fleet


@pytest.fixture
def bob_logger_level() -> Iterator[int]:
    logger = logging.getLogger("bob")
    before = logger.level
    yield before
    logger.setLevel(before)


async def test_serving_slack_leaves_the_bob_loggers_level_to_bobs_log_set_up(
    tmp_path, bob_logger_level: int
) -> None:
    root = logging.getLogger()
    root_level = root.level
    root.setLevel(logging.ERROR)  # what Bolt would copy onto "bob" if it owned that logger
    try:
        async with slack_bot(with_access(make_fleet()), tmp_path) as bot:
            status, _ = await bot.command("help")  # Bolt sets its loggers up per listener
            seen = logging.getLogger("bob").level
    finally:
        root.setLevel(root_level)

    assert (200, bob_logger_level) == (status, seen)
