"""What changed between two snapshots of keyed, immutable records (clusters, groups, nodes, table rows)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class KeyedDiff(Generic[K]):
    added: tuple[K, ...] = ()
    removed: tuple[K, ...] = ()
    changed: tuple[K, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def diff_keyed(old: Mapping[K, V], new: Mapping[K, V]) -> KeyedDiff[K]:
    """Keys added, removed, and present in both with unequal values, each in the new (or old) mapping's order."""
    added: list[K] = []
    changed: list[K] = []
    missing = object()
    for key, value in new.items():
        before = old.get(key, missing)
        if before is missing:
            added.append(key)
        elif before != value:
            changed.append(key)
    removed = tuple(key for key in old if key not in new) if len(old) + len(added) != len(new) else ()
    return KeyedDiff(tuple(added), removed, tuple(changed))


@dataclass(frozen=True, slots=True)
class Transition:
    key: str
    before: str
    after: str


def transitions(old: Mapping[str, V], new: Mapping[str, V], field: Callable[[V], str]) -> list[Transition]:
    """The keys whose `field` (e.g. a node's status) differs between two snapshots, with both values."""
    result = []
    for key, value in new.items():
        before = old.get(key)
        if before is not None and field(before) != field(value):
            result.append(Transition(key, field(before), field(value)))
    return result
