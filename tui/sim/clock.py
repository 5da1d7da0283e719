"""The simulator's sense of time.

Every state change in the simulated control plane is scheduled against a SimClock, so tests and snapshots can
freeze time and step it, while the demo and the server follow the wall clock (optionally sped up).
"""

from __future__ import annotations

import threading
import time


class SimClock:
    """Epoch seconds as the simulation sees them.

    `SimClock()` follows `time.time()`; `SimClock(speed=5.0)` runs five simulated seconds per real second,
    starting from the real time at construction. `SimClock.frozen(at=...)` never moves on its own:
    `advance(seconds)` moves it, which is what tests use to walk a state machine step by step.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed!r}")
        self.speed = float(speed)
        self._lock = threading.Lock()
        self._real_origin = time.time()
        self._sim_origin = self._real_origin
        self._frozen = False

    @classmethod
    def frozen(cls, at: float = 1_790_000_000.0) -> SimClock:
        clock = cls()
        clock._frozen = True
        clock._sim_origin = float(at)
        return clock

    @property
    def is_frozen(self) -> bool:
        return self._frozen

    def now(self) -> float:
        with self._lock:
            if self._frozen:
                return self._sim_origin
            return self._sim_origin + (time.time() - self._real_origin) * self.speed

    def advance(self, seconds: float) -> float:
        """Move simulated time forward; on a running clock this adds an offset. Returns the new time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._sim_origin += seconds
        return self.now()

    def __repr__(self) -> str:
        kind = "frozen" if self._frozen else f"speed={self.speed:g}"
        return f"SimClock({kind}, now={self.now():.3f})"
