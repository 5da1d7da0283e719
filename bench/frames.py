"""Seeing frames in a headless Textual app: when was the first frame that shows X composed?

Headless apps compose every frame (the compositor renders the widgets' lines) but skip turning it into terminal
output. The hook below does that step too (`render_segments`, what a terminal would be sent), so a frame costs
what it costs on a terminal, and then checks it: a frame "shows" a change when the change is in its text, or
when a condition on the app's state held as the frame was composed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Frame:
    wall: float  # time.perf_counter() when the frame's terminal output was ready
    cpu: float  # time.thread_time() of the event loop's thread at that moment


@dataclass
class FrameWatch:
    """Wraps `app._display` (the single place every composed frame passes through)."""

    app: Any
    frames: int = 0
    _wanted: Callable[[str], bool] | None = None
    _seen: asyncio.Event = field(default_factory=asyncio.Event)
    _frame: Frame | None = None

    def __post_init__(self) -> None:
        display = self.app._display

        def hooked(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            render = getattr(renderable, "render_segments", None)
            text = render(self.app.console) if render is not None else ""
            self.frames += 1
            if self._wanted is not None and self._wanted(text):
                self._frame = Frame(time.perf_counter(), time.thread_time())
                self._wanted = None
                self._seen.set()

        self.app._display = hooked

    def expect(self, wanted: Callable[[str], bool]) -> None:
        """Arm the watch: the next frame for which `wanted(frame_text)` is true is recorded."""
        self._frame = None
        self._seen = asyncio.Event()
        self._wanted = wanted

    async def wait(self, timeout: float = 60.0) -> Frame:
        await asyncio.wait_for(self._seen.wait(), timeout)
        assert self._frame is not None
        return self._frame


async def measure(
    watch: FrameWatch, action: Callable[[], None], wanted: Callable[[str], bool], timeout: float = 60.0
) -> tuple[float, float]:
    """(wall seconds, main-thread CPU seconds) from calling `action` to the first frame that satisfies `wanted`."""
    watch.expect(wanted)
    start_wall, start_cpu = time.perf_counter(), time.thread_time()
    action()
    frame = await watch.wait(timeout)
    return frame.wall - start_wall, frame.cpu - start_cpu
