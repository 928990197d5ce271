"""What a staging request may say: chat's grammar, the webhook's signature, a PR reference."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from bot.stage_web import signature_ok
from handlers.parse import CommandError, parse
from handlers.staging import StageClose, StageDeploy, StageList, ago
from provisioning.errors import UsageError
from provisioning.staging.records import StageEnv, StageState, parse_ref


def test_chat_stage_commands_parse_into_requests_and_a_listing_is_open_like_a_dry_run() -> None:
    deploy = parse("stage acme/shop#7 --branch feature/x --from git://git.example/shop")
    assert (
        "stage",
        StageDeploy(repo="acme/shop", pr=7, branch="feature/x", git_url="git://git.example/shop"),
    ) == (deploy.command, deploy.request)
    assert ("plan", StageList()) == (parse("stage list").command, parse("stage list").request)
    assert StageClose(repo="acme/shop", pr=7) == parse("stage close acme/shop#7").request


@pytest.mark.parametrize(
    "text",
    [
        "stage",
        "stage shop#7",
        "stage acme/shop#x",
        "stage acme/shop#7 --branch",
        "stage acme/shop#7 --branch -u",
        "stage acme/shop#7 --tag v1",
    ],
)
def test_chat_stage_refuses_what_it_cannot_deploy(text: str) -> None:
    with pytest.raises(CommandError, match="usage: stage"):
        parse(text)


def test_only_a_body_signed_with_the_secret_passes() -> None:
    body = b'{"action": "opened"}'
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature_ok(b"s3cret", body, good)
    assert not signature_ok(b"s3cret", body + b" ", good)
    assert not signature_ok(b"other", body, good)
    assert not signature_ok(b"s3cret", body, good.removeprefix("sha256="))
    # No secret configured: nothing is trusted, not even an empty signature of an empty key.
    assert not signature_ok(b"", body, "sha256=" + hmac.new(b"", body, hashlib.sha256).hexdigest())


def test_a_pull_request_reference_is_owner_name_and_number() -> None:
    assert ("acme/shop", 7) == parse_ref("acme/shop#7")
    with pytest.raises(UsageError):
        parse_ref("acme/shop#7; rm -rf /")


def test_an_environment_expires_idle_off_s_after_its_last_request_and_only_while_up() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    env = StageEnv(
        pr=7, repo="a/b", branch="f", git_url="u", bob="pr-7", state=StageState.UP,
        last_request=t + timedelta(hours=1), updated_at=t,
    )  # fmt: skip
    assert t + timedelta(hours=5) == env.expiry(4 * 3600)
    assert env.model_copy(update={"state": StageState.OFF}).expiry(4 * 3600) is None
    assert "in 4 h" == ago(t + timedelta(hours=5), t + timedelta(hours=1))
    assert "90 s ago" == ago(t, t + timedelta(seconds=90))
