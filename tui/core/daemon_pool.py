"""A thread pool that never holds up the exit of the process.

`concurrent.futures.ThreadPoolExecutor` starts non-daemon threads and joins every one of them at interpreter exit
(its `threading._register_atexit` hook), even after `shutdown(wait=False)`; asyncio's `shutdown_default_executor`
joins the loop's default executor too. A thread blocked on a hung endpoint then keeps the process alive until its
socket times out, which with retries is minutes. This pool's threads are daemons that no exit hook knows about,
and `shutdown` never waits: work still running at exit is abandoned, which is right for reads.
It is a ThreadPoolExecutor subclass because `loop.set_default_executor` accepts nothing else.

Each job runs in a context of its own (an empty `contextvars.Context`), not in the thread's: Textual's thread
worker sets its `active_worker` context variable in the thread it runs on, so a pool thread kept the last Worker it
ran, and through it that worker's screen with all its widgets and data (a closed log screen and its log), alive
until the thread happened to run another job.
"""

from __future__ import annotations

import contextvars
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import thread as _thread
from typing import Any


class DaemonThreadPool(ThreadPoolExecutor):
    def _adjust_thread_count(self) -> None:
        # ThreadPoolExecutor's own, but with daemon threads left out of `_threads_queues` (the exit hook's list).
        if self._idle_semaphore.acquire(timeout=0):
            return

        def weakref_cb(_: object, q: object = self._work_queue) -> None:
            q.put(None)  # type: ignore[attr-defined]

        count = len(self._threads)
        if count < self._max_workers:
            reference = weakref.ref(self, weakref_cb)
            make_context = getattr(self, "_create_worker_context", None)  # Python 3.14's worker signature
            args = (
                (reference, make_context(), self._work_queue)
                if make_context is not None
                else (reference, self._work_queue, self._initializer, self._initargs)
            )
            thread = threading.Thread(
                name=f"{self._thread_name_prefix or 'daemon-pool'}_{count}",
                target=_thread._worker,
                args=args,
                daemon=True,
            )
            thread.start()
            self._threads.add(thread)  # type: ignore[attr-defined]  # a set at runtime

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.Context().run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=cancel_futures)
