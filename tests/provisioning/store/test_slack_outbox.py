"""The Slack outbox and the deliveries already taken, on both backends.

The outbox keeps each message's latest state until it is sent as of that state, and lets one
replica at a time deliver a message: another takes over once the holder gives it back or its
claim runs out.
"""

from __future__ import annotations

from datetime import timedelta

from provisioning.store.outbox import OutboxMessage

LEASE = timedelta(minutes=1)


def parent(text: str) -> list[OutboxMessage]:
    return [OutboxMessage("job:j1:t", "CBOBS", text, [{"type": "section"}])]


async def test_a_message_held_by_a_live_replica_is_left_to_it(store):
    await store.outbox_put(parent("queued"), "replica-1", LEASE)

    held = await store.outbox_claim("replica-2", LEASE)
    await store.outbox_release("replica-1")
    free = await store.outbox_claim("replica-2", LEASE)

    assert ([], ["queued"]) == (held, [r.message.text for r in free])


async def test_a_state_written_while_an_older_one_was_sent_stays_unsent(store):
    await store.outbox_put(parent("queued"), "replica-1", LEASE)
    [first] = await store.outbox_claim("replica-1", LEASE)
    await store.outbox_put(parent("succeeded"), "replica-1", LEASE)

    await store.outbox_sent(first.message.key, first.version, "1700000001.000100")
    [latest] = await store.outbox_claim("replica-1", LEASE)
    await store.outbox_sent(latest.message.key, latest.version, None)

    assert ("succeeded", "1700000001.000100") == (latest.message.text, latest.ts)
    assert [] == await store.outbox_claim("replica-1", LEASE)


async def test_a_reply_waits_for_its_parent_and_then_carries_its_ts(store):
    reply = OutboxMessage("job:j1:t:r0", "CBOBS", "bob001 ready", [], thread_key="job:j1:t")
    await store.outbox_put([*parent("queued"), reply], "replica-1", LEASE)

    before = await store.outbox_claim("replica-1", LEASE)
    await store.outbox_sent("job:j1:t", before[0].version, "1700000001.000100")
    after = await store.outbox_claim("replica-1", LEASE)

    assert [("job:j1:t", None), ("job:j1:t:r0", None)] == [
        (r.message.key, r.thread_ts) for r in before
    ]
    assert [("job:j1:t:r0", "1700000001.000100")] == [(r.message.key, r.thread_ts) for r in after]


async def test_an_event_is_taken_once(store):
    first = await store.first_delivery("event:Ev1", timedelta(hours=1))
    again = await store.first_delivery("event:Ev1", timedelta(hours=1))
    other = await store.first_delivery("event:Ev2", timedelta(hours=1))

    assert (True, False, True) == (first, again, other)


async def test_the_backlog_counts_messages_whose_latest_state_is_unsent(store):
    await store.outbox_put(parent("queued"), "replica-1", LEASE)
    [first] = await store.outbox_claim("replica-1", LEASE)
    await store.outbox_sent(first.message.key, first.version, "1700000001.000100")
    sent = await store.outbox_backlog()
    await store.outbox_put(parent("succeeded"), "replica-1", LEASE)

    assert (0, 1) == (sent, await store.outbox_backlog())
