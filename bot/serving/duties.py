"""What ``bob serve`` does in the background: sweeping up dead replicas' jobs, reconciling,
destroying what expired."""

from __future__ import annotations

from functools import partial

from bot.expiry_loop import ExpirySweep
from bot.reconcile_loop import PeriodicReconcile
from bot.serving.parts import Duty, Serving
from bot.slack import blocks
from handlers.expiry import submit_expiry
from handlers.reconcile import Report


def orphan_sweep(serving: Serving) -> Duty | None:
    """Resume, every ``sweep_s``, the jobs a replica that died left behind."""
    every_s = serving.options.sweep_s
    if every_s <= 0:
        return None
    service, channel = serving.service, serving.report_channel
    return lambda: service.sweep(channel, every_s)


def periodic_reconcile(serving: Serving) -> Duty | None:
    """The configured periodic reconcile, reporting to its channel; None when it is off or
    there is no Slack to report to."""
    fleet = serving.settings.fleet
    channel = fleet.reconcile.channel or fleet.slack.channel
    if serving.slack is None or fleet.reconcile.interval_s <= 0 or channel is None:
        return None
    service, reconciles = serving.service, serving.reconciles

    async def run() -> Report:
        report = await service.reconcile()
        reconciles.record(report)
        return report

    async def notify(text: str) -> None:
        await service.poster.post(channel, text, blocks.reply(text))

    return PeriodicReconcile(run, notify, fleet.reconcile.interval_s).run_forever


def expiry(serving: Serving) -> Duty | None:
    """Destroy, every ``expiry_s``, the Bobs whose time to live ended or whose agent idled
    past its controller's ``idle_after_s``."""
    every_s = serving.options.expiry_s
    if every_s <= 0:
        return None
    rt = serving.runtime
    submit = partial(submit_expiry, rt.settings.fleet, rt.store, rt.jenkins)
    return ExpirySweep(submit, rt.runner.run, every_s).run_forever
