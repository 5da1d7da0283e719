"""Command-palette providers (`:` or ctrl+p): jump to a cluster, or to a node by id, hostname or IP.

Hit text is clean and reaches the palette as Textual `Content` (a `str` prompt would be parsed as markup), with the
match highlighted by `tui.text.highlighted`, since `Matcher.highlight` parses its candidate as markup.

Theme switching is Textual's own "Change theme" system command, which lists every registered theme (ours
included).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.core.sanitize import clean
from tui.text import content, highlighted, markup_literal

if TYPE_CHECKING:
    from tui.core.explorer import ExplorerState

MAX_NODE_HITS = 40
HIT_NAME_LIMIT = 200  # characters of a name in one palette line


@runtime_checkable
class JumpTarget(Protocol):
    """What the providers need of the screen the palette was opened on (the main screen); other screens get no
    hits. A Protocol, so that this module and the screen that lists these providers do not import each other."""

    @property
    def state(self) -> ExplorerState: ...

    def jump_to_cluster(self, name: str) -> None: ...

    def jump_to_node(self, instance_id: str) -> None: ...


class ClusterCommands(Provider):
    """`cluster <name>`: move the clusters pane to that cluster."""

    @property
    def _main(self) -> JumpTarget | None:
        return self.screen if isinstance(self.screen, JumpTarget) else None

    async def discover(self) -> Hits:
        main = self._main
        if main is None:
            return
        for name in sorted(main.state.cluster_names):
            text = f"cluster {clean(name, max_len=HIT_NAME_LIMIT)}"
            yield DiscoveryHit(content(text), partial(main.jump_to_cluster, name), text=text, help="Open this cluster")

    async def search(self, query: str) -> Hits:
        main = self._main
        if main is None:
            return
        matcher = self.matcher(query)
        for name in main.state.cluster_names:
            text = f"cluster {clean(name, max_len=HIT_NAME_LIMIT)}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, text),
                    partial(main.jump_to_cluster, name),
                    text=text,
                    help="Open this cluster",
                )


class NodeCommands(Provider):
    """A node of the open cluster by instance id, hostname or IP (substring match, then fuzzy-scored)."""

    async def search(self, query: str) -> Hits:
        main = self.screen
        if not isinstance(main, JumpTarget) or len(query.strip()) < 2:
            return
        snapshot = main.state.focus_snapshot
        if snapshot is None:
            return
        needle = query.strip().casefold()
        matcher = self.matcher(query)
        found = 0
        for node in snapshot.nodes.values():
            haystack = f"{node.key} {node.hostname} {node.ip}".casefold()
            if needle not in haystack:
                continue
            text = (
                f"node {clean(node.key, max_len=HIT_NAME_LIMIT)}  {clean(node.hostname, max_len=HIT_NAME_LIMIT)}"
                f"  {clean(node.ip)}  ({clean(node.group, max_len=HIT_NAME_LIMIT)}, {clean(node.status)})"
            )
            yield Hit(
                max(matcher.match(text), 0.5),
                highlighted(matcher, text),
                partial(main.jump_to_node, node.key),
                text=text,
                # Textual parses a hit's help as markup whatever its type: the one place markup_literal is needed.
                help=markup_literal(f"Show this node in {clean(snapshot.cluster, max_len=HIT_NAME_LIMIT)}"),
            )
            found += 1
            if found >= MAX_NODE_HITS:
                return
