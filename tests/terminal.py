"""A program run in a pseudo-terminal, and the screen its bytes leave, as a person would see it.

:func:`run_in_pty` gives the program a terminal of a set size (so it draws what it draws for
a person) and returns every byte it wrote, in chunks as they came. :class:`Screen` replays
those bytes the way a terminal does for the controls a redrawing program uses (carriage
return, cursor up, erase line, colours), keeping the scrolled-off lines too: a captured pane.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.text import Text

COLUMNS, LINES = 110, 40
_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


@dataclass
class PtyRun:
    chunks: list[bytes]
    returncode: int

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")


def run_in_pty(
    argv: Sequence[str],
    env: Mapping[str, str],
    timeout: float = 180,
    interrupt_when: Callable[[], bool] | None = None,
) -> PtyRun:
    """Run ``argv`` with a terminal of COLUMNS x LINES as its stdin, stdout and stderr; Ctrl-C
    it (SIGINT) once ``interrupt_when`` says so, if given (asked about once a second or so)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    size = {"COLUMNS": str(COLUMNS), "LINES": str(LINES), "TERM": "xterm-256color"}
    process = subprocess.Popen(
        list(argv), env={**env, **size}, stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if interrupt_when is not None and interrupt_when():
                process.send_signal(signal.SIGINT)
                interrupt_when = None
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError as exc:  # EIO: every writer closed its end (Linux)
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
        return PtyRun(chunks, process.wait(timeout=max(1.0, deadline - time.monotonic())))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


@dataclass
class Screen:
    """A terminal's lines after the bytes fed so far, with their colours (SGR codes)."""

    width: int = COLUMNS
    rows: list[list[tuple[str, str]]] = field(default_factory=lambda: [[]])
    row: int = 0
    column: int = 0
    style: list[str] = field(default_factory=list)

    def feed(self, data: str) -> None:
        at = 0
        for match in _CSI.finditer(data):
            self._write(data[at : match.start()])
            self._control(match.group(1), match.group(2))
            at = match.end()
        self._write(data[at:])

    def _write(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self.column = 0
            elif char == "\n":
                self.row += 1
                while len(self.rows) <= self.row:
                    self.rows.append([])
            elif char >= " " or char == "\t":
                line = self.rows[self.row]
                line.extend([(" ", "")] * (self.column + 1 - len(line)))
                line[self.column] = (char, "".join(self.style))
                self.column += 1

    def _control(self, params: str, command: str) -> None:
        if command == "A":
            self.row = max(0, self.row - int(params or 1))
        elif command == "K":
            line = self.rows[self.row]
            if params == "2":
                line.clear()
            elif params in ("", "0"):
                del line[self.column :]
        elif command == "m":
            if params in ("", "0"):
                self.style.clear()
            else:
                self.style.append(f"\x1b[{params}m")
        # anything else (cursor shown or hidden, modes) leaves the text as it is

    def lines(self) -> list[str]:
        """The screen's lines, plain text, trailing blank lines dropped."""
        text = ["".join(char for char, _ in line).rstrip() for line in self.rows]
        while text and not text[-1]:
            text.pop()
        return text

    def ansi(self) -> str:
        """The screen as text with its colours, for rendering."""
        out = []
        for line in self.rows:
            shown, style = "", ""
            for char, cell in line:
                if cell != style:
                    shown += "\x1b[0m" + cell
                    style = cell
                shown += char
            out.append(shown + "\x1b[0m")
        return "\n".join(out).rstrip()

    def save(self, path: Path, title: str) -> None:
        """The screen as an SVG picture of a terminal window (and the text beside it)."""
        console = Console(record=True, width=self.width, file=io.StringIO())
        console.print(Text.from_ansi(self.ansi()), soft_wrap=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        console.save_svg(str(path.with_suffix(".svg")), title=title)
        path.with_suffix(".txt").write_text("\n".join(self.lines()) + "\n")
