"""Command-palette providers (ctrl+p): jump to a cluster, or to a node by instance id, hostname, IP or Slurm name
in every cluster listed so far; a whole instance id no listing holds is asked of each cluster (DescribeClusterNode,
tui/controllers/node_finder.py), so that an id pasted from an alert is found.

Hit text is clean and reaches the palette as Textual `Content` (a `str` prompt would be parsed as markup), with the
match highlighted by `tui.text.highlighted`, since `Matcher.highlight` parses its candidate as markup.

Theme switching is Textual's own "Change theme" system command, which lists every registered theme (ours
included).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.core.node_lookup import DescribeResult, Entry, NodeMatch, instance_id_in, matches
from tui.core.sanitize import clean
from tui.text import content, highlighted, markup_literal, toast

if TYPE_CHECKING:
    from textual.fuzzy import Matcher

    from tui.core.explorer import ExplorerState
    from tui.core.models import Node

MAX_NODE_HITS = 40
HIT_NAME_LIMIT = 200  # characters of a name in one palette line


@runtime_checkable
class JumpTarget(Protocol):
    """What the providers need of the screen the palette was opened on (the main screen); other screens get no
    hits. A Protocol, so that this module and the screen that lists these providers do not import each other."""

    @property
    def state(self) -> ExplorerState: ...

    def jump_to_cluster(self, name: str) -> None: ...

    def jump_to_node(self, instance_id: str, cluster: str | None = None) -> None: ...

    def node_entries(self) -> list[Entry]: ...

    async def describe_unlisted_node(self, instance_id: str) -> DescribeResult | None: ...


def _main(provider: Provider) -> JumpTarget | None:
    screen = provider.screen
    return screen if isinstance(screen, JumpTarget) else None


class ClusterCommands(Provider):
    """`cluster <name>`: move the clusters pane to that cluster."""

    async def discover(self) -> Hits:
        main = _main(self)
        if main is None:
            return
        for name in sorted(main.state.cluster_names):
            text = f"cluster {clean(name, max_len=HIT_NAME_LIMIT)}"
            yield DiscoveryHit(content(text), partial(main.jump_to_cluster, name), text=text, help="Open this cluster")

    async def search(self, query: str) -> Hits:
        main = _main(self)
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


def node_text(node: Node) -> str:
    return (
        f"node {clean(node.key, max_len=HIT_NAME_LIMIT)}  {clean(node.hostname, max_len=HIT_NAME_LIMIT)}"
        f"  {clean(node.ip)}  ({clean(node.group, max_len=HIT_NAME_LIMIT)}, {clean(node.status)})"
    )


class NodeCommands(Provider):
    """A node of any cluster listed so far, by instance id, hostname, IP or Slurm name (substring match, then
    fuzzy-scored; the open cluster's first); a whole instance id that no listing holds is looked up."""

    async def startup(self) -> None:
        main = _main(self)
        self._index = main.node_entries() if main is not None else []

    async def search(self, query: str) -> Hits:
        main = _main(self)
        if main is None or len(query.strip()) < 2:
            return
        matcher = self.matcher(query)
        found = 0
        for match in matches(self._index, query):
            yield self._hit(main, matcher, match)
            found += 1
            if found >= MAX_NODE_HITS:
                return
        instance_id = instance_id_in(query)
        if found or instance_id is None:
            return
        result = await main.describe_unlisted_node(instance_id)
        if result is None:
            return
        for cluster, detail in result.found:
            yield self._hit(main, matcher, NodeMatch(cluster, detail.node), unlisted=True)
        if not result.found:
            message = not_found_message(result)
            yield Hit(0.5, content(message), partial(toast, self.app, message, severity="warning"), text=message)

    def _hit(self, main: JumpTarget, matcher: Matcher, match: NodeMatch, *, unlisted: bool = False) -> Hit:
        node, cluster = match.node, clean(match.cluster, max_len=HIT_NAME_LIMIT)
        text = node_text(node)
        how = " (not in its listing yet: found by DescribeClusterNode)" if unlisted else ""
        return Hit(
            max(matcher.match(text), 0.5),
            highlighted(matcher, text),
            partial(main.jump_to_node, node.key, match.cluster),
            text=text,
            # Textual parses a hit's help as markup whatever its type: the one place markup_literal is needed.
            help=markup_literal(f"Show this node in {cluster}{how}"),
        )


def not_found_message(result: DescribeResult) -> str:
    parts = [f"{clean(result.instance_id)}: no cluster has this node (asked {result.asked})"]
    if result.unanswered:
        names = ", ".join(clean(name, max_len=60) for name in result.unanswered[:5])
        parts.append(f"no answer from {len(result.unanswered)}: {names}")
    if result.skipped:
        parts.append(f"{result.skipped} not asked (limit)")
    return "; ".join(parts)
