// The board's only script: keep the page live through Server-Sent Events. Everything it
// shows is rendered (and escaped) by the server; this only swaps fragments in.
"use strict";

function liveBoard(board) {
  let fetching = false;
  let again = false;
  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const response = await fetch(board.dataset.fragment, { credentials: "same-origin" });
      if (response.ok) { board.innerHTML = await response.text(); }
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }
  const events = new EventSource(board.dataset.events);
  events.addEventListener("changed", refresh);
  events.addEventListener("open", () => { board.dataset.live = "yes"; });
}

function liveJob(job) {
  const events = new EventSource(job.dataset.events);
  events.addEventListener("job", (event) => { job.innerHTML = event.data; });
  events.addEventListener("end", (event) => {
    // Closed by us: otherwise EventSource reconnects when the server ends the stream.
    events.close();
    job.dataset.state = event.data;
  });
}

// A Preview button submits its form by GET: the CSRF token stays out of the URL.
function keepTokensOutOfUrls() {
  for (const button of document.querySelectorAll('button[formmethod="get"]')) {
    button.addEventListener("click", () => {
      const token = button.form && button.form.querySelector('input[name="csrf_token"]');
      if (token) { token.disabled = true; }
    });
  }
}

window.addEventListener("pageshow", () => {
  for (const token of document.querySelectorAll('input[name="csrf_token"]')) {
    token.disabled = false;
  }
});

document.addEventListener("DOMContentLoaded", () => {
  keepTokensOutOfUrls();
  const board = document.getElementById("board");
  if (board && board.dataset.events) { liveBoard(board); }
  const job = document.getElementById("job");
  if (job && job.dataset.events) { liveJob(job); }
});
