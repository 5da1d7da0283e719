"""The daemon pool runs each job in a context of its own: nothing a job sets in a context variable outlives it."""

from __future__ import annotations

import contextvars
import gc
import weakref

from tui.core.daemon_pool import DaemonThreadPool

current: contextvars.ContextVar[object] = contextvars.ContextVar("current")


class Thing:
    pass


def test_a_context_variable_a_job_sets_does_not_keep_its_value_alive_in_the_thread():
    # Textual's thread worker sets `active_worker` this way: the pool thread kept the last Worker (and its screen).
    pool = DaemonThreadPool(max_workers=1)
    try:
        thing = Thing()
        kept = weakref.ref(thing)
        pool.submit(current.set, thing).result(timeout=10)
        del thing
        gc.collect()
        assert kept() is None
        assert pool.submit(current.get, None).result(timeout=10) is None  # the next job on that thread sees nothing
    finally:
        pool.shutdown()


def test_a_job_gets_its_arguments_and_its_answer_back():
    pool = DaemonThreadPool(max_workers=2)
    try:
        assert pool.submit(divmod, 7, 2).result(timeout=10) == (3, 1)
        assert pool.submit(lambda *, n: n * 2, n=21).result(timeout=10) == 42
    finally:
        pool.shutdown()
