"""Keyset pagination: a token remembers the sort key of the last item served, not an offset.

Nodes come and go between pages (replacements, deletions); resuming after a key neither repeats nor skips
an item that was present on both calls.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import TypeVar

from tui.sim.errors import SimError
from tui.sim.protocol import PageToken

T = TypeVar("T")


def page(
    keys: Sequence[tuple],
    items: Sequence[T],
    *,
    after: tuple | None,
    limit: int,
    descending: bool = False,
    accept: Callable[[T], bool] | None = None,
) -> tuple[list[T], tuple | None]:
    """Up to `limit` accepted items following `after` in `keys` order (ascending keys, read either way).

    Returns the page and the key to resume after, or None when no accepted item follows the page.
    """
    n = len(keys)
    if descending:
        i = (bisect_left(keys, after) - 1) if after is not None else n - 1
        step, stop = -1, -1
    else:
        i = bisect_right(keys, after) if after is not None else 0
        step, stop = 1, n
    out: list[T] = []
    last: tuple | None = None
    while i != stop:
        item = items[i]
        if accept is None or accept(item):
            if len(out) == limit:
                return out, last
            out.append(item)
            last = keys[i]
        i += step
    return out, None


def resume_key(token: str | None, kind: str, error: SimError) -> tuple | None:
    if not token:
        return None
    return PageToken.decode(token, kind, error).key


def next_token(kind: str, key: tuple | None) -> str | None:
    return PageToken(kind, key).encode() if key is not None else None
