"""Progress on standard error for work longer than about a second (issue 13.7).

Silent unless standard error is a terminal (a pipe, a CI log, a test runner see nothing) and
never on standard output, so JSON and piped output stay clean. Standard library only.

A command wraps its long part:

    with progress.working("Lecture des territoires"):
        ws = load_workspace(...)

and any code below, that knows how far it is, may say so (a no-op when nothing is shown):

    for i, tf in enumerate(selected, 1):
        progress.step(i, len(selected))

The line appears after `delay` seconds only, is redrawn a few times a second by a background
thread (the work itself is never slowed by drawing), and is erased when the work ends.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import IO, Iterable, Iterator, TypeVar

T = TypeVar("T")
DELAY = 1.0
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_current: Progress | None = None


def enabled(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stderr
    if os.environ.get("ORIENTER_PROGRESS", "") in ("0", "non", "no"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    def __init__(self, label: str, total: int | None = None, delay: float = DELAY,
                 stream: IO[str] | None = None, force: bool = False):
        self.label = label
        self.total = total
        self.done = 0
        self.delay = delay
        self.stream = stream or sys.stderr
        self.active = force or enabled(self.stream)
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False
        self._lock = threading.Lock()

    # --- what the work says --------------------------------------------------------------

    def update(self, done: int | None = None, total: int | None = None, label: str | None = None) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label

    def advance(self, n: int = 1) -> None:
        self.done += n

    # --- drawing ---------------------------------------------------------------------------

    def line(self, now: float | None = None) -> str:
        elapsed = (now if now is not None else time.monotonic()) - self.started
        spin = _SPINNER[int(elapsed * 8) % len(_SPINNER)]
        count = ""
        if self.total:
            share = min(100, int(100 * self.done / self.total)) if self.total else 0
            count = f" {self.done}/{self.total} ({share} %)"
        elif self.done:
            count = f" {self.done}"
        return f"{spin} {self.label}…{count} · {int(elapsed)} s"

    def _draw(self) -> None:
        with self._lock:
            try:
                width = os.get_terminal_size(self.stream.fileno()).columns
            except (OSError, ValueError, AttributeError):
                width = 0
            text = self.line()[: (width if width >= 20 else 80) - 1]
            try:
                self.stream.write("\r\x1b[2K" + text)
                self.stream.flush()
                self._drawn = True
            except (OSError, ValueError):
                self._stop.set()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(0.2)

    def start(self) -> Progress:
        if self.active:
            self._thread = threading.Thread(target=self._run, name="orienter-progress", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        with self._lock:
            if self._drawn:
                try:
                    self.stream.write("\r\x1b[2K")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass
                self._drawn = False


@contextmanager
def working(label: str, total: int | None = None, delay: float = DELAY) -> Iterator[Progress]:
    """Show `label` (and the count, when the work gives one) on standard error while the block
    runs, if it lasts more than `delay` seconds and standard error is a terminal."""
    global _current
    previous = _current
    bar = Progress(label, total, delay).start()
    _current = bar
    try:
        yield bar
    finally:
        bar.stop()
        _current = previous


def step(done: int, total: int | None = None, label: str | None = None) -> None:
    """Tell the progress shown, if any, how far the work is. Cheap when nothing is shown."""
    if _current is not None:
        _current.update(done, total, label)


def track(items: Iterable[T], label: str | None = None, total: int | None = None) -> Iterator[T]:
    """Iterate over `items`, counting them on the progress shown (or on a new one)."""
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if _current is None and label is not None:
        with working(label, total) as bar:
            for i, item in enumerate(items, 1):
                yield item
                bar.update(i)
        return
    for i, item in enumerate(items, 1):
        yield item
        step(i, total, label)
