"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import pytest

from tests.bind import BindServer, BindUnavailable, StartBind, Zone
from tests.jenkins_double import JenkinsDouble
from tests.jenkins_real import REQUIRE_ENV, JenkinsUnavailable, RealController, start_controller
from tests.postgres import PostgresCluster, PostgresUnavailable


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of our own for the whole run, started on first use.

    Skips when PostgreSQL is not installed, unless ``BOB_REQUIRE_POSTGRES=1`` (CI), where a
    silently skipped backend would hide exactly the bugs these tests exist for.
    """
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        if os.environ.get("BOB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"BOB_REQUIRE_POSTGRES=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """An empty database of this test's own, dropped afterwards."""
    name = postgres_cluster.create_database()
    try:
        yield postgres_cluster.database_url(name)
    finally:
        postgres_cluster.drop_database(name)


@pytest.fixture
def start_bind() -> Iterator[StartBind]:
    """Start a named of our own with the given zones; every one started is stopped after.

    Skips when BIND is not installed, unless ``BOB_REQUIRE_BIND=1`` (CI).
    """
    started: list[BindServer] = []

    def start(zones: Sequence[Zone]) -> BindServer:
        try:
            server = BindServer.start(zones)
        except BindUnavailable as exc:
            if os.environ.get("BOB_REQUIRE_BIND") == "1":
                pytest.fail(f"BOB_REQUIRE_BIND=1 but {exc}", pytrace=False)
            pytest.skip(str(exc))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def real_jenkins_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RealController]:
    """The packaged Jenkins 2.528.3 (``$BOB_TEST_JENKINS_HOME``), started once per test session on
    a free loopback port and stopped by its PID at the end.

    Skips when it is not configured or cannot start, unless ``BOB_REQUIRE_JENKINS=1`` (CI).
    """
    try:
        controller = start_controller(tmp_path_factory.mktemp("jenkins"))
    except JenkinsUnavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def real_jenkins(real_jenkins_session: RealController) -> Iterator[RealController]:
    """The session's controller, emptied after the test: no nodes, no script approvals."""
    real_jenkins_session.reset()
    yield real_jenkins_session
    real_jenkins_session.reset()


@pytest.fixture
def double() -> Iterator[JenkinsDouble]:
    """A Jenkins double (tests/jenkins_double.py) on loopback, stopped after the test."""
    server = JenkinsDouble().start()
    try:
        yield server
    finally:
        server.stop()
