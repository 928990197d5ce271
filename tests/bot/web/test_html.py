"""Nothing a host, a controller or a user wrote can become markup on a board page."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.web.html import Html, attrs, html, join
from bot.web.job_page import job_fragment
from provisioning.records import JobRecord, JobState, JournalEntry, StepEvent

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SCRIPT = '<script>alert("x")</script>'


def test_values_are_escaped_and_markup_built_here_is_not() -> None:
    inner = html("<b>{}</b>", SCRIPT)
    assert (
        "<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b>" == html("<i>{}</i>", inner)[3:-4]
    )


def test_join_escapes_plain_strings_it_is_given() -> None:
    assert "&lt;a&gt;<b>" == join(["<a>", Html("<b>")])  # type: ignore[list-item]


def test_attribute_values_cannot_break_out_of_their_quotes() -> None:
    assert ' data-bob="x&quot; onclick=&quot;y"' == attrs(data_bob='x" onclick="y')


def test_a_job_page_shows_step_output_and_errors_as_text() -> None:
    job = JobRecord(
        id="abcd1234", kind="create", params={}, state=JobState.FAILED, requested_by="me",
        source="web", created_at=WHEN, error=SCRIPT,
    )  # fmt: skip
    log = JournalEntry(
        job_id=job.id, step_index=0, step="bootstrap", lane="bob001", host="host-a",
        event=StepEvent.LOG, at=WHEN, detail=SCRIPT,
    )  # fmt: skip
    page = job_fragment(job, [log], WHEN)
    assert SCRIPT not in page
    assert 2 == page.count("&lt;script&gt;")


def test_every_markup_character_in_a_job_error_reaches_the_page_as_text() -> None:
    # &lt; written by someone is text too: it must show as "&lt;", not as "<".
    job = JobRecord(
        id="abcd1234", kind="create", params={}, state=JobState.FAILED, requested_by="me",
        source="web", created_at=WHEN, error="""a<b>c & "d" 'e' &lt;""",
    )  # fmt: skip
    page = job_fragment(job, [], WHEN)
    assert (
        '<p class="problem" id="job-error">'
        "a&lt;b&gt;c &amp; &quot;d&quot; &#x27;e&#x27; &amp;lt;</p>"
    ) in page
