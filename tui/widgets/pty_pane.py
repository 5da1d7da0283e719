"""PtyPane: a program on a pseudo-terminal, shown inside the app (an embedded terminal).

The child starts on the widget's first Resize (its size is 0×0 before that), on a pty already sized to the
widget, as the session leader with the pty as its controlling terminal, so ctrl+c is a real SIGINT. Output is
read without blocking (`loop.add_reader`), parsed by pyte (UTF-8 decoded incrementally, so a character split
across reads is fine) and repainted at most ~60 times a second, only the rows that changed. Keys become the bytes
an xterm sends (`_pty_keys`); ctrl+] is kept back and hands focus to the rest of the app. When the widget goes
away the child gets SIGHUP, then SIGKILL after a grace period, and is reaped without blocking the event loop.

pyte limits: no alternate screen (full-screen programs draw over the normal screen and leave it behind), no
scrollback, no mouse reporting. For full-screen tools run the program with the app suspended instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyte
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.core import lifetime
from tui.core.pty_proc import foreground_group, hang_up, set_window_size, spawn_on_pty
from tui.core.sanitize import clean
from tui.widgets._pty_keys import ESCAPE_KEYS, key_to_bytes, paste_bytes
from tui.widgets._pty_render import render_row
from tui.widgets.widget_message import WidgetMessage

APP_CURSOR_MODE = 1 << 5  # DECCKM (?1), as pyte stores private modes: shifted left by 5
BRACKETED_PASTE_MODE = 2004 << 5  # ?2004
READ_SIZE = 65536
FEED_PIECE = 2048  # pyte needs ~10 ms for 2 KB of scrolling lines
FEED_BUDGET_S = 0.008  # parse at most this long per turn of the event loop, so keys and paints go on
FRAME_S = 1 / 60
SCROLLBACK_LINES = 5000
SCROLL_WHEEL_LINES = 3
SCROLL_KEYS = frozenset({"shift+pageup", "shift+pagedown", "shift+home", "shift+end"})
HANGUP_GRACE_S = 1.0
DRAIN_TIMEOUT_S = 2.0  # after the child exits, wait for the rest of its output (a grandchild may hold the pty)


class _Screen(pyte.Screen):
    """A pyte screen whose replies to the program (device status, device attributes) go back to the pty, and
    which keeps the lines that scroll off its top (the scrollback; pyte's own HistoryScreen wraps every
    attribute access in Python and pages by half screens)."""

    def __init__(
        self, columns: int, lines: int, reply: Callable[[bytes], None], history: int = SCROLLBACK_LINES
    ) -> None:
        super().__init__(columns, lines)
        self._reply = reply
        self.history: deque[Any] = deque(maxlen=history)
        self.scrolled_off = 0  # lines ever added to the history (an absolute line number for views into it)

    def write_process_input(self, data: str) -> None:
        self._reply(data.encode())

    def index(self) -> None:
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        if top == 0 and self.cursor.y == bottom:  # the whole screen scrolls: its top line leaves for good
            self.history.append(self.buffer[top])  # (pyte drops the row object from the buffer, never reuses it)
            self.scrolled_off += 1
        super().index()

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        super().erase_in_display(how, *args, **kwargs)
        if how == 3:  # ESC[3J (what `clear` sends): the scrollback goes too
            self.history.clear()


class PtyPane(Widget, can_focus=True):
    """Runs `argv` on a pty and shows its screen. Keys go to the program while focused; ctrl+] leaves."""

    HELP = """\
## Terminal

Keys go to the program running here (ctrl+c interrupts it, as in any terminal).

- **ctrl+]** leaves the terminal and returns to the app; that key is never sent to the program.
- Once the program has ended, keys are the app's again.
- The app's own priority keys still reach the app: **ctrl+q** quits, **ctrl+p** opens the command palette and is
  not sent to the shell (use the up arrow for shell history, or rebind `command-palette` in [keymap]).
- Pasting works; programs that ask for bracketed paste get it.
- **shift+pageup** / **shift+pagedown** (or the mouse wheel) scroll back through the last 5,000 lines that
  left the screen; **shift+home** / **shift+end** go to the oldest line and back to the live screen. Typing
  returns to the live screen.
"""

    DEFAULT_CSS = """
    PtyPane {
        width: 1fr;
        height: 1fr;
        background: $background;
        color: $foreground;
    }
    PtyPane > .pty-pane--cursor {
        background: $foreground;
        color: $background;
    }
    """
    COMPONENT_CLASSES = {"pty-pane--cursor"}
    # App actions whose plain keys (q, ?) the program receives instead while it runs: the footer must not offer
    # them then. Looked up on mount, so a key rebound in [keymap] is covered too.
    SHADOWED_APP_ACTIONS = frozenset({"quit", "help"})

    class Exited(WidgetMessage):
        """The child ended: its exit code, or minus the signal number that killed it."""

        def __init__(self, pane: PtyPane, exit_code: int) -> None:
            super().__init__(pane)
            self.exit_code = exit_code

    class SpawnFailed(WidgetMessage):
        """The child could not be started (e.g. FileNotFoundError for a missing program)."""

        def __init__(self, pane: PtyPane, error: Exception) -> None:
            super().__init__(pane)
            self.error = error

    class Output(WidgetMessage):
        """Bytes the child wrote, once parsed (only with `report_output=True`), e.g. to scan for a failure."""

        def __init__(self, pane: PtyPane, data: bytes) -> None:
            super().__init__(pane)
            self.data = data

    class EscapeRequested(WidgetMessage):
        """ctrl+] was pressed: the user wants out of the terminal. Focus has already moved on."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        title: str | None = None,
        report_output: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`env` replaces os.environ for the child (TERM is always set to xterm-256color); None means os.environ."""
        super().__init__(name=name, id=id, classes=classes)
        if not argv:
            raise ValueError("PtyPane needs a command to run")
        self.argv = list(argv)
        self.env = dict(os.environ if env is None else env)
        self.env["TERM"] = "xterm-256color"
        self.cwd = cwd
        self.report_output = report_output
        if title:
            self.border_title = Text(clean(title))
        self.exit_code: int | None = None
        self._screen = _Screen(80, 24, self.write)
        self._stream = pyte.ByteStream(self._screen)
        self._state = "new"  # new → starting → running → exited | failed
        self._fd: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._reading = False
        self._backlog = bytearray()  # read but not yet parsed; reading pauses until it is (back-pressure)
        self._at_eof = False
        self._eof = asyncio.Event()
        self._feed_handle: asyncio.Handle | None = None
        self._pending_input = bytearray()
        self._paint_handle: asyncio.TimerHandle | None = None
        self._last_paint = 0.0
        self._strips: dict[int, Strip] = {}
        self._cursor_row = 0
        self._view_top: int | None = None  # scrolled back: the absolute line number shown at the top; None: live

    def on_mount(self) -> None:
        for key, bindings in self.app._bindings.key_to_bindings.items():
            if any(binding.action in self.SHADOWED_APP_ACTIONS and not binding.priority for binding in bindings):
                self._bindings.bind(key, "typed_key", show=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "typed_key":  # True hides the app's binding of that key; False lets it show again
            return self._state not in ("exited", "failed")
        return super().check_action(action, parameters)

    def action_typed_key(self) -> None:
        """Never reached: on_key sends the key to the program and stops it before any binding is looked up."""

    # ── public ────────────────────────────────────────────────────────────────────────────────────

    @property
    def running(self) -> bool:
        return self._state == "running"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def screen_lines(self) -> list[str]:
        """The terminal's live text, one string per row."""
        return list(self._screen.display)

    @property
    def scrolled_back(self) -> int:
        """How many lines the view is scrolled back from the live screen (0: live)."""
        if self._view_top is None:
            return 0
        return self._screen.scrolled_off - self._view_top

    @property
    def shown_lines(self) -> list[str]:
        """What the pane shows now: the live screen, or the scrollback when scrolled back."""
        screen = self._screen
        return [
            "".join(line[x].data for x in range(screen.columns)) for line in map(self._view_line, range(screen.lines))
        ]

    def scroll_history(self, lines: int) -> None:
        """Scroll the view `lines` back (negative) or forward (positive) through the scrollback."""
        screen = self._screen
        oldest = screen.scrolled_off - len(screen.history)
        top = screen.scrolled_off if self._view_top is None else self._view_top
        top = max(oldest, min(screen.scrolled_off, top + lines))
        self._set_view_top(None if top >= screen.scrolled_off else top)

    def _scroll_by_key(self, key: str) -> None:
        screen = self._screen
        page = max(1, screen.lines - 1)
        everything = screen.scrolled_off + 1  # more than the scrollback holds: scroll_history stops at its end
        self.scroll_history(
            {"shift+pageup": -page, "shift+pagedown": page, "shift+home": -everything, "shift+end": everything}[key]
        )

    def _set_view_top(self, top: int | None) -> None:
        if top != self._view_top:
            self._view_top = top
            self._strips.clear()
            self.refresh()

    def _view_line(self, y: int) -> Any:
        """The buffer line shown on row `y` (from the scrollback when scrolled back)."""
        screen = self._screen
        if self._view_top is None:
            return screen.buffer[y]
        line = self._view_top + y
        if line >= screen.scrolled_off:
            return screen.buffer[line - screen.scrolled_off]
        return screen.history[line - (screen.scrolled_off - len(screen.history))]

    def write(self, data: bytes) -> None:
        """Send bytes to the child as if typed. Before the child starts they are queued; after it ends, dropped."""
        if self._state in ("exited", "failed"):
            return
        self._pending_input += data
        if self._fd is not None and len(self._pending_input) == len(data):
            self._flush_input()

    # ── process lifetime ──────────────────────────────────────────────────────────────────────────

    async def on_resize(self, event: events.Resize) -> None:
        rows, columns = event.size.height, event.size.width
        if rows <= 0 or columns <= 0:
            return
        if self._state == "new":
            self._state = "starting"
            await self._spawn(rows, columns)
        elif (rows, columns) != (self._screen.lines, self._screen.columns):
            self._resize(rows, columns)

    async def _spawn(self, rows: int, columns: int) -> None:
        self._screen.resize(rows, columns)
        try:
            self._process, self._fd = await spawn_on_pty(self.argv, self.env, self.cwd, rows, columns)
        except Exception as error:  # noqa: BLE001 - any spawn failure is reported, never raised into the app
            self._state = "failed"
            self.refresh_bindings()
            self.post_message(self.SpawnFailed(self, error))
            return
        lifetime.adopt_child(self._process.pid, own_session=True)  # ended with the app whatever way it ends
        self._state = "running"
        self._set_reading(True)
        self._watcher = asyncio.create_task(self._watch_exit(self._process))
        self._flush_input()
        if (self.size.height, self.size.width) != (rows, columns) and self.size.area:
            self._resize(self.size.height, self.size.width)  # resized while starting

    async def _watch_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        lifetime.release_child(process.pid)
        with contextlib.suppress(asyncio.TimeoutError):  # what it wrote last may still be in the pty buffer
            await asyncio.wait_for(self._eof.wait(), DRAIN_TIMEOUT_S)
        self._close_fd()
        self._state = "exited"
        self.exit_code = code
        self.refresh_bindings()
        self._paint()
        self.post_message(self.Exited(self, code))

    async def on_unmount(self) -> None:
        for handle in (self._paint_handle, self._feed_handle):
            if handle is not None:
                handle.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
        self._set_reading(False)
        if self._process is not None and self._fd is not None:
            await hang_up(self._process, {self._process.pid, foreground_group(self._fd)}, HANGUP_GRACE_S)
        self._close_fd()

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._feed_handle is not None:
            self._feed_handle.cancel()
            self._feed_handle = None
        loop = asyncio.get_running_loop()
        if self._reading:
            loop.remove_reader(fd)
            self._reading = False
        loop.remove_writer(fd)
        os.close(fd)

    # ── output ────────────────────────────────────────────────────────────────────────────────────

    def _set_reading(self, on: bool) -> None:
        if self._fd is None or on == self._reading:
            return
        loop = asyncio.get_running_loop()
        if on:
            loop.add_reader(self._fd, self._on_readable)
        else:
            loop.remove_reader(self._fd)
        self._reading = on

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, READ_SIZE)  # type: ignore[arg-type]
        except BlockingIOError:
            return
        except OSError:  # EIO: every slave end is closed
            data = b""
        self._set_reading(False)
        if data:
            self._backlog += data
        else:
            self._at_eof = True
        self._feed()

    def _feed(self) -> None:
        """Parse the backlog for one time slice; go on next turn of the loop, or read again when done."""
        self._feed_handle = None
        deadline = time.monotonic() + FEED_BUDGET_S
        while self._backlog and time.monotonic() < deadline:
            piece = bytes(self._backlog[:FEED_PIECE])
            del self._backlog[:FEED_PIECE]
            self._consume(piece)
        if self._backlog:
            self._feed_handle = asyncio.get_running_loop().call_soon(self._feed)
        elif self._at_eof:
            self._eof.set()
        else:
            self._set_reading(True)

    def _consume(self, data: bytes) -> None:
        try:
            self._stream.feed(data)
        except Exception as error:  # noqa: BLE001 - a pyte parser bug must not take the app down
            self.log.error(f"PtyPane: pyte could not parse output: {error!r}")
        if self.report_output:
            self.post_message(self.Output(self, data))
        if self._paint_handle is None:
            delay = max(0.0, self._last_paint + FRAME_S - time.monotonic())
            self._paint_handle = asyncio.get_running_loop().call_later(delay, self._paint)

    def _paint(self) -> None:
        self._paint_handle = None
        self._last_paint = time.monotonic()
        screen = self._screen
        rows = set(screen.dirty)
        screen.dirty.clear()
        cursor_row = min(screen.cursor.y, screen.lines - 1)
        rows |= {self._cursor_row, cursor_row}
        self._cursor_row = cursor_row
        if self._view_top is not None:  # scrolled back: the view stays on its lines; the live rows are below it
            self._view_top = max(self._view_top, screen.scrolled_off - len(screen.history))  # (unless they expired)
            self._strips.clear()
            self.refresh()
            return
        for y in rows:
            self._strips.pop(y, None)
        width = self.size.width
        self.refresh(*(Region(0, y, width, 1) for y in sorted(rows) if 0 <= y < self.size.height))

    # ── input ─────────────────────────────────────────────────────────────────────────────────────

    def _flush_input(self) -> None:
        fd = self._fd
        if fd is None or not self._pending_input:
            return
        try:
            written = os.write(fd, self._pending_input)
        except BlockingIOError:
            written = 0
        except OSError:  # the child is gone
            self._pending_input.clear()
            return
        del self._pending_input[:written]
        loop = asyncio.get_running_loop()
        if self._pending_input:
            loop.add_writer(fd, self._flush_input)
        else:
            loop.remove_writer(fd)

    async def on_key(self, event: events.Key) -> None:
        if event.key in ESCAPE_KEYS:
            event.stop()
            event.prevent_default()
            self.blur()
            self.post_message(self.EscapeRequested(self))
            return
        if event.key in SCROLL_KEYS and (self._screen.history or self._view_top is not None):
            event.stop()
            event.prevent_default()
            self._scroll_by_key(event.key)
            return
        if self._state in ("exited", "failed"):
            return  # nobody is listening any more: the app's keys (e.g. close the tab) work here
        data = key_to_bytes(event.key, event.character, app_cursor=APP_CURSOR_MODE in self._screen.mode)
        if data is None:
            return  # no terminal meaning: let the app have it
        event.stop()
        event.prevent_default()
        self._set_view_top(None)  # typing returns to the live screen, as in any terminal
        self.write(data)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self._screen.history:
            event.stop()
            self.scroll_history(-SCROLL_WHEEL_LINES)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self._view_top is not None:
            event.stop()
            self.scroll_history(SCROLL_WHEEL_LINES)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self._set_view_top(None)
        self.write(paste_bytes(event.text, bracketed=BRACKETED_PASTE_MODE in self._screen.mode))

    # ── drawing ───────────────────────────────────────────────────────────────────────────────────

    def _resize(self, rows: int, columns: int) -> None:
        screen = self._screen
        if self._fd is not None:
            with contextlib.suppress(OSError):
                set_window_size(self._fd, rows, columns)  # the kernel sends SIGWINCH to the foreground job
        cursor_y, cursor_x = screen.cursor.y, screen.cursor.x
        cut = max(0, screen.lines - rows)  # pyte cuts this many rows off the top when shrinking…
        drop = max(0, cursor_y - (rows - 1))  # …but only these must go to keep the cursor on screen
        if cut > drop:  # so, as xterm does, push the rest off the bottom first
            screen.margins = None
            screen.cursor.y = 0
            screen.insert_lines(cut - drop)
        self._view_top = None  # the scrollback's lines keep their width; the view goes back to the live screen
        screen.resize(rows, columns)
        screen.cursor.y = min(max(0, cursor_y - drop), rows - 1)
        screen.cursor.x = min(cursor_x, columns - 1)
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        screen = self._screen
        width = self.size.width
        base = self.rich_style
        if y >= screen.lines:
            return Strip.blank(width, base)
        if self._view_top is not None:
            return self._scrolled_line(y, width, base)
        if y == screen.cursor.y and self.has_focus and self.running and not screen.cursor.hidden:
            cursor_style = self.get_component_rich_style("pty-pane--cursor")
            cursor_x = min(screen.cursor.x, screen.columns - 1)
            return render_row(screen.buffer[y], screen.columns, width, base, cursor_x, cursor_style)
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = render_row(screen.buffer[y], screen.columns, width, base)
        return strip

    def _scrolled_line(self, y: int, width: int, base: Style) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            screen = self._screen
            strip = render_row(self._view_line(y), screen.columns, width, base)
            if y == 0:  # where the view is, over the top right corner
                note = f" scrollback −{self.scrolled_back} of {len(screen.history)} · shift+end: live "
                keep = max(0, width - len(note))
                strip = Strip.join([strip.crop(0, keep), Strip([Segment(note[:width], base + Style(reverse=True))])])
            self._strips[y] = strip
        return strip
