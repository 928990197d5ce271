"""``bob serve`` as operators run it: a process that takes signed commands over HTTP, resumes
unfinished jobs when it starts, and stops cleanly on SIGTERM. Slack is the local fake."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from provisioning.pipeline.kinds import DESTROY
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore
from tests.ports import free_port
from tests.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, sign, slash_body

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.yaml"
BOB = Path(sys.executable).parent / "bob"


@pytest.fixture
async def fake():
    slack = await FakeSlack().start()
    yield slack
    await slack.stop()


def serve_env(state_dir: Path, fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "BOB_STATE_DIR": str(state_dir),
        "BOB_CONFIG": str(EXAMPLE),
        "BOB_SLACK_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        # The example config has a DNS section; nothing here reaches its server.
        "BOB_DNS_TSIG_SECRET": "c2VjcmV0LW5vdC11c2Vk",
        **extra,
    }


async def unfinished_job(state_dir: Path) -> str:
    """A job a crashed bob left pending: a destroy with nothing left to do."""
    state_dir.mkdir(parents=True, exist_ok=True)
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        job = await store.create_job(NewJob(kind=DESTROY, params={"bobs": []}))
        return job.id
    finally:
        await store.close()


async def job_state(state_dir: Path, job_id: str) -> JobState:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
    try:
        return (await store.get_job(job_id)).state
    finally:
        await store.close()


async def started(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 20)
    return line.decode().strip()


async def test_serve_answers_resumes_and_stops_on_sigterm(tmp_path, fake):
    state_dir, port = tmp_path / "state", free_port()
    job_id = await unfinished_job(state_dir)
    env = serve_env(state_dir, fake, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    process = await asyncio.create_subprocess_exec(
        BOB, "serve", "--port", str(port), "--grace", "2", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        banner = await started(process)
        body = slash_body("help list", response_url=fake.response_url("help"))
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10, connect=3)) as session,
            session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=sign(body)
            ) as response,
        ):
            ack_status = response.status
        answer = await fake.wait_for(lambda: fake.answers.get("help"))
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10, connect=3)) as session,
            session.get(f"http://127.0.0.1:{port}/") as board,
        ):
            board_status = board.status  # the board shares the Slack endpoint's server
        resumed = await fake.wait_for(lambda: fake.calls_to("chat.postMessage"))
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)

    assert (
        f"bob serve: HTTP on 127.0.0.1:{port}, board on http://127.0.0.1:{port}/, config {EXAMPLE}"
    ) == banner
    assert 200 == ack_status
    assert "```list [HOST]\n  Bobs by host and disk, with free room```" == answer["text"]
    assert 200 == board_status
    assert "#bob" == resumed[0].params["channel"]
    assert JobState.SUCCEEDED == await job_state(state_dir, job_id)
    assert 0 == code


async def test_serve_without_slack_serves_the_board_alone(tmp_path, fake):
    env, port = serve_env(tmp_path, fake), free_port()
    del env["SLACK_BOT_TOKEN"]
    process = await asyncio.create_subprocess_exec(
        BOB, "serve", "--port", str(port), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        banner = await started(process)
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10, connect=3)) as session,
            session.get(f"http://127.0.0.1:{port}/") as board,
            session.post(f"http://127.0.0.1:{port}/slack/events", data="x") as slack,
        ):
            page, slack_status = await board.text(), slack.status
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)

    assert (
        f"bob serve: board only (no Slack token) on http://127.0.0.1:{port}/, config {EXAMPLE}"
        == banner
    )
    assert (200, 404) == (board.status, slack_status)  # no Slack endpoint without Slack
    assert "host-a" in page
    assert 0 == code


async def test_a_slack_secret_without_the_bot_token_says_which_variable_to_set(tmp_path, fake):
    env = serve_env(tmp_path, fake, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    del env["SLACK_BOT_TOKEN"]
    process = await asyncio.create_subprocess_exec(
        BOB, "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), 20)

    assert (2, "bob: set SLACK_BOT_TOKEN to the bot's token (xoxb-…)\n") == (
        process.returncode,
        err.decode(),
    )


async def test_serve_needs_socket_mode_or_a_signing_secret(tmp_path, fake):
    process = await asyncio.create_subprocess_exec(
        BOB, "serve", env=serve_env(tmp_path, fake),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 20)

    assert 2 == process.returncode
    assert "set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP" in err.decode()


@asynccontextmanager
async def serving(env: dict[str, str]) -> AsyncIterator[None]:
    """One ``bob serve`` process (HTTP, no board) until the block ends with SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        BOB, "serve", "--port", str(free_port()), "--grace", "1", "--no-board", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await started(process)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


async def test_a_thread_slack_missed_is_delivered_by_the_next_serve(tmp_path, fake):
    state_dir = tmp_path / "state"
    job_id = await unfinished_job(state_dir)
    env = serve_env(state_dir, fake, SLACK_SIGNING_SECRET=SIGNING_SECRET)

    fake.down = True
    async with serving(env), asyncio.timeout(20):  # resumes the job, which ends unreported
        while await job_state(state_dir, job_id) is not JobState.SUCCEEDED:
            await asyncio.sleep(0.1)
    fake.down = False
    async with serving(env):
        parent = (await fake.wait_for(lambda: fake.top_level("#bob"), timeout=20))[0]
        replies = await fake.wait_for(lambda: fake.thread(parent.ts), timeout=20)

    assert (f"resume {job_id} — succeeded", f"job {job_id}") == (
        parent.text.splitlines()[0].split(": ", 1)[1],
        parent.text.splitlines()[-1],
    )
    assert f"resume {job_id} — succeeded in " in replies[-1].text.splitlines()[0]


async def test_serve_with_json_logs_writes_one_object_a_line_naming_the_job(tmp_path, fake):
    state_dir, port = tmp_path / "state", free_port()
    job_id = await unfinished_job(state_dir)
    env = serve_env(state_dir, fake)
    del env["SLACK_BOT_TOKEN"]
    process = await asyncio.create_subprocess_exec(
        BOB, "-v", "serve", "--port", str(port), "--log-format", "json", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    records: list[dict[str, str]] = []
    try:
        banner = await started(process)
        while not any(r["message"].startswith("job.finished") for r in records):
            line = await asyncio.wait_for(process.stderr.readline(), 20)
            assert line, records  # stderr closed before the resumed job finished
            records.append(json.loads(line))
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    records += [json.loads(line) for line in err.decode().splitlines()]  # those of stopping

    # stdout keeps its text, and has no record
    assert ["bob serve: stopping"] == out.decode().splitlines()
    assert banner.startswith("bob serve: board only")
    assert {"time", "level", "logger", "message"} <= records[0].keys()
    about_the_job = [r for r in records if f"job={job_id}" in r["message"]]
    assert about_the_job
    assert [job_id] * len(about_the_job) == [r.get("job") for r in about_the_job]
