"""A staging setup on a real sandbox: bob's runtime, nginx, the webhook app and a served repo.

async with staging_setup(tmp_path, info, idle_off_s=2) as stage:
    await stage.hook("opened", 7, "feature")
    await stage.until_state(7, "up")
    stage.nginx.get("pr-7.staging.test")
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

from bot.stage_web import add_staging
from handlers.staging import Stager
from provisioning.config import Fleet, load_fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.hosts.ssh import HostPool
from provisioning.staging.records import StageEnv
from sandbox import SandboxInfo
from tests.ports import free_port
from tests.provisioning.pipeline.runtime import Bob, bob_runtime, db_url
from tests.staging.peers import GitRepo, Nginx, running_nginx, served_repo
from tests.waiting import until

DOMAIN = "staging.test"
SECRET = b"the-webhook-secret"
REPO = "acme/shop"
# The app the test's repository ships: a page per branch, served by busybox httpd (the sandbox's
# busybox Bobs have no Python); SERVICE_URL shows the variables from config reach it.
APP = {
    "start.sh": (
        'printf "%s db=%s\\n" "$(cat page.txt)" "$DATABASE_URL" > www/index.html\n'
        'exec busybox httpd -p 8000 -h "$PWD/www"\n'
    ),
    "www/.keep": "",
}


def signed(body: bytes, secret: bytes = SECRET) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def event(action: str, pr: int, branch: str, clone_url: str) -> dict[str, Any]:
    """A pull_request event as GitHub sends it (the fields bob reads, and a few it does not)."""
    return {
        "action": action,
        "number": pr,
        "pull_request": {
            "number": pr,
            "state": "closed" if action == "closed" else "open",
            "head": {"ref": branch, "sha": "0" * 40, "repo": {"clone_url": clone_url}},
            "base": {"ref": "main"},
        },
        "repository": {"full_name": REPO, "clone_url": clone_url},
        "sender": {"login": "octocat"},
    }


@dataclass
class StagingSetup:
    fleet: Fleet
    bob: Bob
    stager: Stager
    nginx: Nginx
    repo: GitRepo
    web_port: int
    dns: DnsClient

    async def hook(
        self, action: str, pr: int, branch: str, *, secret: bytes = SECRET
    ) -> tuple[int, dict[str, Any]]:
        body = json.dumps(event(action, pr, branch, self.repo.url)).encode()
        headers = {
            "X-GitHub-Event": "pull_request",
            "X-Hub-Signature-256": signed(body, secret),
            "Content-Type": "application/json",
        }
        url = f"http://127.0.0.1:{self.web_port}/hooks/pull-request"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as answer,
        ):
            return answer.status, await answer.json()

    async def until_state(self, pr: int, state: str, timeout: float = 180) -> StageEnv:
        async def look() -> StageEnv | None:
            env = await self.bob.store.stage_env(pr)
            return env if env is not None and env.state.value == state else None

        return await until(look, f"pr-{pr} is {state}", timeout=timeout)

    async def page(self, pr: int, timeout: float = 60.0) -> tuple[int, str]:
        return await asyncio.to_thread(self.nginx.get, f"pr-{pr}.{DOMAIN}", "/", timeout)


def staging_fleet(
    info: SandboxInfo, directory: Path, nginx: Nginx, wake: str, idle: float
) -> Fleet:
    document: dict[str, Any] = yaml.safe_load(info.config_path.read_text())
    document["staging"] = {
        "domain": DOMAIN,
        "gateway": nginx.gateway(wake).model_dump(mode="json"),
        "deploy": ["sh", "start.sh"],
        "port": 8000,
        "env": {"DATABASE_URL": "postgres://db.outside:5432/shop"},
        "idle_off_s": idle,
        "deploy_timeout_s": 60,
    }
    path = directory / "bob.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return load_fleet(path)


@asynccontextmanager
async def staging_setup(
    tmp_path: Path, info: SandboxInfo, *, idle_off_s: float = 3600
) -> AsyncIterator[StagingSetup]:
    web_port = free_port()
    with (
        running_nginx(tmp_path / "nginx") as nginx,
        served_repo(tmp_path / "git") as repo,
    ):
        repo.commit("main", {**APP, "page.txt": "main"}, "the app")
        fleet = staging_fleet(info, tmp_path, nginx, f"http://127.0.0.1:{web_port}", idle_off_s)
        assert fleet.dns is not None
        dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
        pool = HostPool(fleet.hosts)
        async with bob_runtime(fleet, db_url(tmp_path), dns=dns) as bob:
            stager = Stager(fleet, bob.store, pool, bob.runner.run, dns)
            app = web.Application()
            add_staging(app, stager, SECRET)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", web_port).start()
            try:
                yield StagingSetup(fleet, bob, stager, nginx, repo, web_port, dns)
            finally:
                await runner.cleanup()
                await pool.close_all()
