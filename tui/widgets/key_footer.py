"""The footer, fitted to the terminal's width: `? Help` always shows, and lower-priority hints go first.

Textual's Footer lays every shown binding out in a row and cuts what does not fit, `? Help` (the app's, last) first.
Here the hints keep their order, but when the row is too wide the ones ranked lowest are left out until it fits;
help is never left out. A hint's width is what FooterKey paints: one cell either side of the key, one after the
description.

The hints do not `data_bind` the footer's `compact` as Textual's Footer does: a binding is a watcher entry stored on
the footer that is dropped only when `compact` next changes (Textual issue #6666), and `compact` never changes here,
so every recompose (each focus change) left its FooterKeys alive (over 5,000 widgets in 150 s of moving between panes). Each
hint takes the value when it is made instead, and `watch_compact` hands a change to the hints on screen.
`StockFooter` is Textual's Footer as it is (every hint, the palette key on the right) with the same leak stopped:
after each recompose it re-announces `compact`, which is when Textual drops the watchers of the hints removed.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui.core.sanitize import cell_width

ALWAYS = "help"
# Left out first, in this order (ids of bindings); a binding not named here ranks above all of them.
DROPPED_FIRST = (
    "console",
    "sort-next",
    "refresh",
    "details",
    "back",
    "filter",
    "copy-ssm-command",
    "shell-fullscreen",
    "quit",
)


def hint_width(key_display: str, description: str) -> int:
    return cell_width(key_display) + 2 + (cell_width(description) + 1 if description else 0)


def fitted(hints: list[tuple[Binding, int]], width: int) -> list[Binding]:
    """The bindings to show, in their order: each with its painted width; the lowest ranked left out until the
    row fits in `width`, never the help binding."""

    def rank(binding: Binding) -> int:
        if binding.id == ALWAYS:
            return -1
        return DROPPED_FIRST.index(binding.id) + 1 if binding.id in DROPPED_FIRST else 0

    shown = list(hints)
    # Among equals, the later hint goes first (the focused widget's keys come first in the row).
    order = sorted(range(len(shown)), key=lambda i: (rank(shown[i][0]), i), reverse=True)
    dropped: set[int] = set()
    total = sum(w for _, w in shown)
    for index in order:
        if total <= width:
            break
        if rank(shown[index][0]) < 0:
            continue
        dropped.add(index)
        total -= shown[index][1]
    return [binding for i, (binding, _) in enumerate(shown) if i not in dropped]


class StockFooter(Footer):
    """Textual's Footer, whose replaced hints are freed (see the module's docstring)."""

    async def recompose(self) -> None:
        await super().recompose()
        self.mutate_reactive(Footer.compact)  # drops the watcher entries of the hints just removed


class KeyFooter(Footer):
    """A Footer that fits its hints to its width (see the module's docstring)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(show_command_palette=False, **kwargs)
        self._width = 0

    def compose(self):
        if not self._bindings_ready:
            return
        seen: set[str] = set()
        rows: list[tuple[Binding, bool, str]] = []
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                rows.append((binding, enabled, tooltip))
        hints = [
            (binding, hint_width(self.app.get_key_display(binding), binding.description)) for binding, _, _ in rows
        ]
        width = self.size.width or self.app.size.width
        self._width = width
        keep = {id(binding) for binding in fitted(hints, width)}
        for binding, enabled, tooltip in rows:
            if id(binding) in keep:
                key = FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                )
                if tooltip:
                    key.tooltip = Text(tooltip)  # plain text: a Binding's tooltip is never parsed as markup here
                key.set_reactive(FooterKey.compact, self.compact)  # no watcher runs for it: the class too
                key.set_class(self.compact, "-compact", update=False)
                yield key

    def watch_compact(self, compact: bool) -> None:
        for key in self.query_children(FooterKey):
            key.compact = compact

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.call_after_refresh(self.recompose)
