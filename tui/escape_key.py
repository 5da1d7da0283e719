"""A prompt Esc key: a shorter escape delay, and a terminal driver that reports a lone Esc once that delay is over.

A terminal sends Esc as the byte ESC, which is also how every escape sequence (an arrow key, a mouse report) starts,
so a lone ESC is only known to be the Esc key once no more bytes follow within a delay. Textual 8.2.8 reads that
delay from `ESCDELAY` (milliseconds, default 100) once, when `textual.constants` is imported; and its Linux driver
checks for the timeout only when its `select()` returns, which without further input is every 100 ms. An Esc then
took 100-200 ms. Here the delay is 25 ms on a local terminal and 40 ms over SSH (where a sequence can arrive in two
packets), unless the user set `ESCDELAY`, and the driver's `select()` waits only until a pending escape's delay is
over. Terminals that speak the kitty keyboard protocol (which Textual turns on) send Esc unambiguously and never wait.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import MutableMapping

LOCAL_DELAY_MS = 25
SSH_DELAY_MS = 40
IDLE_POLL = 0.1  # Textual's own select() timeout when no escape is pending


def escape_delay_ms(environ: MutableMapping[str, str]) -> int:
    """The delay to use: the user's `ESCDELAY` when set, else 25 ms locally and 40 ms over SSH."""
    value = environ.get("ESCDELAY", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return SSH_DELAY_MS if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY") else LOCAL_DELAY_MS


def lower_escape_delay(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set `ESCDELAY` for Textual: call before `textual` is imported (it reads the variable once, at import)."""
    environ["ESCDELAY"] = str(escape_delay_ms(environ))


def poll_timeout(pending_until: float | None, now: float) -> float:
    """How long the input thread may wait in select(): until a pending escape's delay ends, else the idle poll."""
    if pending_until is None:
        return IDLE_POLL
    return min(IDLE_POLL, max(0.0, pending_until - now))


def driver_class() -> type:
    """Textual's Linux driver with `run_input_thread` waiting no longer than a pending escape's delay."""
    from textual._loop import loop_last
    from textual._parser import ParseError
    from textual._time import get_time
    from textual._xterm_parser import XTermParser
    from textual.drivers.linux_driver import LinuxDriver

    class PromptEscapeDriver(LinuxDriver):
        def run_input_thread(self) -> None:
            # LinuxDriver.run_input_thread of Textual 8.2.8; the one change is the select() timeout.
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            fileno = self.fileno
            event_read = selectors.EVENT_READ
            parser = XTermParser(self._debug)
            feed = parser.feed
            tick = parser.tick
            decode = getincrementaldecoder("utf-8")().decode
            read = os.read

            def process_selector_events(
                selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
            ) -> None:
                for last, (_selector_key, mask) in loop_last(selector_events):
                    if mask & event_read:
                        unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                        if not unicode_data:
                            break
                        for event in feed(unicode_data):
                            self.process_message(event)
                for event in tick():
                    self.process_message(event)

            try:
                while not self.exit_event.is_set():
                    pending = getattr(parser, "_timeout_time", None)  # the deadline of the escape the parser holds
                    process_selector_events(selector.select(poll_timeout(pending, get_time())))
                selector.unregister(self.fileno)
                process_selector_events(selector.select(IDLE_POLL), final=True)
            finally:
                selector.close()
                try:
                    for _event in feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return PromptEscapeDriver
