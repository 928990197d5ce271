"""Credentials, crumbs and an unreachable controller: clear errors naming the controller."""

from __future__ import annotations

import socket
import time

import pytest

from provisioning.jenkins.client import ScriptConsoleController
from provisioning.jenkins.errors import (
    JenkinsAuthError,
    JenkinsCredentialsMissing,
    JenkinsUnreachable,
)
from tests.jenkins_double import JenkinsDouble
from tests.provisioning.jenkins.conftest import adapter, controller_config, ssh_spec


async def test_an_api_token_works_without_a_crumb(double: JenkinsDouble) -> None:
    await adapter(double).attach(ssh_spec())

    posts = [r for r in double.requests if r.method == "POST"]
    assert [("/scriptText", 200, "admin")] == [(r.path, r.status, r.user) for r in posts]


async def test_a_password_works_through_crumb_and_session_cookie(double: JenkinsDouble) -> None:
    result = await adapter(double, secret=double.passwords["admin"]).attach(ssh_spec())

    assert "created" == result.status


async def test_a_wrong_token_is_an_auth_error_401(double: JenkinsDouble) -> None:
    with pytest.raises(JenkinsAuthError) as err:
        await adapter(double, secret="not-the-token").list_nodes()

    assert 401 == err.value.status
    assert "ci-main" == err.value.controller
    assert "Invalid password/token for user: admin" in str(err.value)
    assert "not-the-token" not in str(err.value)


async def test_a_token_env_var_that_is_not_set_sends_nothing(double: JenkinsDouble) -> None:
    jenkins = ScriptConsoleController(controller_config(double.url), env={})
    with pytest.raises(JenkinsCredentialsMissing, match=r"ci-main.*BOB_TEST_CI_MAIN_TOKEN"):
        await jenkins.list_nodes()
    assert [] == double.requests  # nothing was sent without credentials


async def test_anonymous_requests_are_refused_403(double: JenkinsDouble) -> None:
    from provisioning.jenkins._transport import ScriptConsole

    console = ScriptConsole("ci-main", double.url, None, None, 5.0)  # type: ignore[arg-type]
    with pytest.raises(JenkinsAuthError) as err:
        console.whoami()

    assert 403 == err.value.status
    assert "Jenkins controller ci-main: access denied (HTTP 403): Authentication required" == str(
        err.value
    )


async def test_a_password_whose_crumb_is_no_longer_valid_is_refused_403(
    double: JenkinsDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The crumb is fetched during get_whoami(); a controller restart before the POST voids it.
    from provisioning.jenkins import _transport

    real_whoami = _transport.ScriptConsole.whoami

    def whoami_then_restart(self: _transport.ScriptConsole) -> dict[str, object]:
        me = real_whoami(self)
        double.forget_sessions()
        return me

    monkeypatch.setattr(_transport.ScriptConsole, "whoami", whoami_then_restart)
    with pytest.raises(JenkinsAuthError) as err:
        await adapter(double, secret=double.passwords["admin"]).attach(ssh_spec())

    assert 403 == err.value.status
    assert "No valid crumb was included in the request" in str(err.value)
    assert {} == double.nodes


async def test_a_controller_that_is_down_fails_fast_and_says_so() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    jenkins = ScriptConsoleController(
        controller_config(f"http://127.0.0.1:{port}/", timeout=3.0),
        env={"BOB_TEST_CI_MAIN_TOKEN": "x"},
    )

    started = time.monotonic()
    with pytest.raises(JenkinsUnreachable, match="ci-main: cannot connect") as err:
        await jenkins.list_nodes()

    assert time.monotonic() - started < 3.0
    assert "refused" in str(err.value).lower()


async def test_a_controller_that_never_answers_times_out() -> None:
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        jenkins = ScriptConsoleController(
            controller_config(f"http://127.0.0.1:{sock.getsockname()[1]}/", timeout=0.5),
            env={"BOB_TEST_CI_MAIN_TOKEN": "x"},
        )
        started = time.monotonic()
        with pytest.raises(JenkinsUnreachable, match=r"ci-main: no answer within 0.5 s"):
            await jenkins.list_nodes()
        assert time.monotonic() - started < 3.0
