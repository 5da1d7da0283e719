"""The cyclic garbage collector's policy, in one place.

Start-up allocates ~1M objects (Textual, botocore's service models) that all live as long as the app; collecting
while they are made costs ~0.1–0.2 s and frees nothing. So `cli.main` pauses the collector first. Headless
commands are short-lived and never resume it (it would walk the ~100,000 young objects of a 10,000-node listing
again and again and free nothing). The TUI resumes it once its AWS facade exists (`HyperPodApp.ensure_api`,
on the first refresh): everything alive then is frozen out of the collector's view (`gc.freeze`), so a full
collection does not re-scan it (otherwise ~100 ms of GIL, a visible stall whenever a big refresh triggers one),
and collection is enabled again. The prefetch child (`tui/core/prefetch.py`) lives a second and keeps it off.
"""

from __future__ import annotations

import gc

_heap_frozen = False


def pause_for_startup() -> None:
    gc.disable()


def resume_after_startup() -> None:
    """Freeze the start-up heap (once per process) and turn the collector back on."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()
    gc.enable()


def restore() -> None:
    """Leave the collector on (an in-process caller of `cli.main`, e.g. a test, gets it back as it was)."""
    gc.enable()
