"""Hostile text everywhere the app shows outside text: nothing crashes, nothing reaches the terminal, markup shows.

Seeded random strings made of escape sequences of every kind (OSC 52 clipboard writes, OSC 0/2 titles, OSC 8
hyperlinks, CSI, DCS, their 8-bit C1 forms, BEL and other C0 controls), Rich/Textual markup (`[/]`, `[link=…]`,
`[@click=app.quit]`, `[$accent]`, backslashes), wide CJK, zero-width joiners, bidi overrides and combining marks are
put into every field of the simulated control plane the app shows: cluster names, instance-group names, node
hostnames and status messages, a cluster's FailureMessage, Kubernetes label keys and values and taints, lifecycle
log lines (one a megabyte long). The simulator would refuse such names in requests, so its input validation is
switched off here (`validate_input`), and the world is edited after it is built.

The real app is then driven with Pilot through the main screen, the filter (typed, and pasted), the command
palette, the node details, a confirmation dialog and the log view (with a typed search). After each step the
screen is rendered exactly as the driver would write it to the terminal (the compositor's full update): the only
escape sequences allowed are Textual's own colour and cursor-position ones (SGR, CUP), and no control character of
any kind may remain; the hostile markup must show literally.
"""

from __future__ import annotations

import io
import json
import random
import re

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.command import CommandPalette

from tests.harness import FROZEN_AT, make_app, settle, type_text
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.detail import DetailScreen
from tui.screens.logs import LogScreen
from tui.sim import SimClock, Simulator
from tui.sim import dispatcher as sim_dispatcher
from tui.sim.model import Node

SIZE = (160, 50)
MEGABYTE = 1 << 20

ESCAPES = [
    "\x1b]52;c;aGFja2VkIGNsaXBib2FyZA==\x07",  # OSC 52: write the clipboard (BEL-terminated)
    "\x1b]52;c;aGFja2Vk\x1b\\",  # OSC 52, ST-terminated
    "\x1b]0;pwned window title\x07",  # OSC 0: window and icon title
    "\x1b]2;pwned title\x1b\\",  # OSC 2: window title
    "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[2J\x1b[H",  # CSI: clear the screen, home
    "\x1b[31;1m",  # CSI SGR
    "\x1b[?1049h",  # CSI private mode: alternate screen
    "\x1b[6n",  # CSI: cursor position report (the terminal answers on stdin)
    "\x1bP+q544e\x1b\\",  # DCS: XTGETTCAP
    "\x1b_apc payload\x1b\\",  # APC
    "\x1bc",  # RIS: full reset
    "\x9b31m",  # 8-bit CSI
    "\x9d0;8-bit title\x9c",  # 8-bit OSC
    "\x90q\x9c",  # 8-bit DCS
    "\x1b]52;c;unterminated",  # OSC without its terminator
    "\x07",  # BEL
    "\x00",
    "\x08\x08",  # backspaces
    "\r",
    "\x7f",
    "\x85",  # NEL (C1)
    "\x0b\x0c",
]
MARKUP = [
    "[/]",
    "[link=https://evil.example]link[/link]",
    "[@click=app.quit]quit[/]",
    "[b]bold",
    "[$accent]accent",
    "[B]x[/B]",
    "[ bold]x",
    "\\",
    "\\[b]",
    "[",
    "]",
    "[[double]]",
]
UNICODE = [
    "日本語のクラスタ",
    "中文字符",
    "👨\u200d👩\u200d👧",  # a family: zero-width joiners
    "\u200b",  # zero-width space
    "\u200d",
    "\u202eevil\u202c",  # right-to-left override
    "\u2066isolate\u2069",
    "e\u0301\u0301\u0301",  # combining marks
    "\ufeff",
    "ｗｉｄｅ",
]
FRAGMENTS = ESCAPES + MARKUP + UNICODE

# What Textual itself writes around the text: colours (SGR) and cursor positions (CUP). Anything else, an OSC 8
# hyperlink from interpreted `[link=…]` markup included, came from the data.
TEXTUAL_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*[mH]")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def hostile(rng: random.Random, *, start: str = "", parts: int = 8) -> str:
    """A random mix of hostile fragments and ordinary words (each a few characters, so cut columns still show some)."""
    pieces = [start] if start else []
    for _ in range(parts):
        pieces.append(rng.choice(FRAGMENTS))
        pieces.append(rng.choice(["a", "node", "-", " ", "x1", "g"]))
    return "".join(pieces)


def rename_cluster(sim: Simulator, old: str, new: str) -> None:
    world = sim.world
    cluster = world.clusters[old]
    world.clusters = {new if key == old else key: value for key, value in world.clusters.items()}
    cluster.name = new
    for key, value in list(world.landmarks.items()):
        if value == old:
            world.landmarks[key] = new


def rename_group(sim: Simulator, cluster_name: str, old: str, new: str) -> None:
    cluster = sim.world.clusters[cluster_name]
    group = cluster.groups.pop(old)
    group.name = new
    cluster.groups[new] = group
    cluster._order.clear()


class HostileWorld:
    """The demo world with hostile text in every field the app shows; remembers what it put where."""

    def __init__(self, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
        rng = random.Random(seed)
        self.rng = rng
        sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
        self.sim = sim
        monkeypatch.setattr(sim_dispatcher, "validate_input", lambda *args, **kwargs: None)
        marks = sim.landmarks
        world = sim.world

        # EKS: a hostile cluster name that starts with a bare `[/]` (what killed the app), hostile group names.
        self.eks = hostile(rng, start="[/]" + rng.choice(["", "[@click=app.quit]"]))
        rename_cluster(sim, marks["eks_cluster"], self.eks)
        for name in list(world.clusters[self.eks].groups):
            rename_group(sim, self.eks, name, hostile(rng, start=rng.choice(MARKUP), parts=4))
        # The cluster being created: OSC 52 and a title change first.
        self.creating = hostile(rng, start=ESCAPES[0] + ESCAPES[2] + "[link=https://evil.example]")
        rename_cluster(sim, marks["creating_cluster"], self.creating)

        # The Slurm cluster keeps its name (its lifecycle logs are filed under it); everything else is hostile.
        slurm = world.clusters[marks["slurm_cluster"]]
        self.slurm = slurm.name
        slurm.failure_message = (slurm.failure_message or "") + " " + hostile(rng)
        rename_group(sim, self.slurm, "login-group", hostile(rng, start="[b]", parts=4))
        for cluster in world.clusters.values():
            for node in cluster.nodes.values():
                if rng.random() < 0.5:
                    node.hostname = hostile(rng, start=rng.choice(UNICODE), parts=3)
                if node.status == "Running" and rng.random() < 0.3:
                    node.set_status(node.status, hostile(rng))
                node._summary_json = None
        failed = slurm.nodes[marks["failed_node"]]
        self.failed_node = failed.instance_id
        failed.set_status(failed.status, (failed.message or "") + " " + hostile(rng) + "m" * MEGABYTE)

        # Kubernetes labels (keys and values) and, through the health label, a taint's value.
        label_key = hostile(rng, start=ESCAPES[0] + "[/]", parts=3)
        label_value = hostile(rng, start=ESCAPES[4], parts=3)
        health = hostile(rng, start=ESCAPES[2] + "[@click=app.quit]", parts=3)  # → a taint's value
        original = Node.health_labels

        def labels(node: Node) -> dict[str, str]:
            found = original(node)
            found[label_key] = label_value
            found["sagemaker.amazonaws.com/node-health-status"] = health
            found["huge"] = "v" * MEGABYTE
            return found

        monkeypatch.setattr(Node, "health_labels", labels)

        # A health-monitoring agent detection record (the HEALTH column, the node's details) with hostile fields.
        faulty = slurm.nodes[marks["health_event_node"]]
        self.faulty = faulty.instance_id
        record = {
            "level": "error",
            "msg": hostile(rng),
            "condition: ": hostile(rng, start="[/]" + ESCAPES[0], parts=3),
            "data: ": {"Message": hostile(rng), "long": "d" * 10_000},
            "HealthMonitoringAgentDetectionEvent": "HealthEvent",
        }
        health_stream = f"SagemakerHealthMonitoringAgent/{faulty.group.name}/{faulty.instance_id}"
        sim.put_log_events(slurm.log_group, health_stream, [json.dumps(record)], start=FROZEN_AT - 60)

        # Lifecycle log lines of the failed node: hostile, and one a megabyte long.
        self.log_lines = [hostile(rng) for _ in range(40)] + ["[/]" + "z" * MEGABYTE]
        group, stream = self._failed_log()
        sim.put_log_events(group, stream, self.log_lines, start=FROZEN_AT - 3600)
        world.warm_caches()

    def _failed_log(self) -> tuple[str, str]:
        cluster = self.sim.world.clusters[self.slurm]
        node = cluster.nodes[self.failed_node]
        return cluster.log_group, cluster.lifecycle_stream(node.group.name, node.instance_id)


def terminal_output(app) -> tuple[str, str]:
    """(the bytes a full repaint writes to the terminal, the text on the screen), from the compositor."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    raw = update.render_segments(console)
    text = "\n".join(
        "".join(segment.text for strip in line for segment in strip if not segment.control) for line in update.strips
    )
    return raw, text


def assert_clean_screen(app, where: str) -> str:
    raw, text = terminal_output(app)
    leftover = TEXTUAL_SEQUENCES.sub("", raw)
    bad = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(leftover.replace("\n", ""))})
    assert not bad, f"{where}: control characters reach the terminal: {bad}"
    assert "\x1b" not in leftover, f"{where}: an escape sequence reaches the terminal"
    assert app.is_running and app.return_code is None, f"{where}: the app stopped"
    return text


def assert_columns_line_up(table, marker: str) -> None:
    """Every row shows `marker` (a value of one column) at the same cell offset: widths are cells, not characters."""
    offsets = set()
    for y in range(1, min(table.visible_count, table.scrollable_content_region.height - 1) + 1):
        line = "".join(segment.text for segment in table.render_line(y))
        if marker in line:
            offsets.add(cell_len(line[: line.index(marker)]))
    assert len(offsets) == 1, f"{marker!r} at cell offsets {sorted(offsets)}"


SEEDS = [1, 2, 3]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
async def test_hostile_text_everywhere(seed, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    world = HostileWorld(seed, monkeypatch)
    # A --cluster that is not there: a toast lists every (hostile) cluster name.
    app = make_app(sim=world.sim, cluster="[/]missing\x1b]52;c;eA==\x07")
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts drawn, as in real use
        await settle(pilot)
        main = app.screen
        text = assert_clean_screen(app, "main screen")
        assert "[/]" in text  # the EKS cluster's name, shown as typed
        assert "Cluster '[/]missing" in text  # the toast, literally
        app.clear_notifications()  # it would cover the pane subtitles checked below

        # The EKS cluster: hostile pane titles, group names, hostnames, messages.
        main.clusters_table.move_cursor_to(world.eks)
        await settle(pilot)
        text = assert_clean_screen(app, "EKS cluster focused")
        assert "Instance groups · [/]" in text  # the pane title shows the name literally
        assert_columns_line_up(main.nodes_table, "30d")  # hostnames hold wide, zero-width and combining characters

        # The filter: typed key by key (a bare `[/]` killed the app), then pasted with every control in it.
        main.nodes_table.focus()
        await pilot.press("slash")
        await type_text(pilot, "[/]")
        await settle(pilot)
        assert "filter: [/]" in assert_clean_screen(app, "typed filter")
        main.filter_box.insert_text_at_cursor(hostile(world.rng))
        await settle(pilot)
        assert_clean_screen(app, "pasted filter")
        await pilot.press("escape")
        await settle(pilot)

        # The palette: every cluster, then the nodes.
        await pilot.press("ctrl+p")
        await type_text(pilot, "cluster")
        await pilot.pause(0.6)
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        text = assert_clean_screen(app, "palette, clusters")
        assert "cluster [/]" in text and "cluster llm-pretrain-slurm" in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "i-0")  # every node of the open cluster, with its hostile hostname and group
        await pilot.pause(0.6)
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        assert "Show this node in [/]" in assert_clean_screen(app, "palette, nodes")
        await pilot.press("escape")
        await settle(pilot)

        # Node details: Kubernetes labels, taints, the message, the hostname.
        main.nodes_table.focus()
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "Kubernetes" in assert_clean_screen(app, "node details")
        await pilot.press("escape")
        await settle(pilot)

        # A confirmation dialog over marked nodes with hostile names, groups and hostnames.
        main.nodes_table.focus()
        await pilot.press("space", "down", "space", "R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmActionScreen)
        assert "[/]" in assert_clean_screen(app, "confirmation")
        await pilot.press("escape")
        await settle(pilot)

        # The Slurm cluster: its FailureMessage banner, then the failed node's log and a typed search.
        main.clusters_table.move_cursor_to(world.slurm)
        await settle(pilot)
        assert_clean_screen(app, "Slurm cluster with its failure banner")
        verdict = main.state.focus_snapshot.verdicts[world.faulty]  # the hostile HMA record was read, not dropped
        assert verdict.signal is not None and verdict.signal.source == "HMA" and verdict.signal.short != "GPU XID 79"
        main.jump_to_node(world.faulty)
        await settle(pilot)
        main.nodes_table.focus()
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "Next step" in assert_clean_screen(app, "node health details")
        await pilot.press("escape")
        await settle(pilot)
        main.nodes_table.set_filter("")
        main.jump_to_node(world.failed_node)
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot, rounds=120)
        assert isinstance(app.screen, LogScreen)
        assert_clean_screen(app, "log view")
        log = app.screen.view
        await pilot.press("G")
        await settle(pilot)
        assert "[/]zzzz" in assert_clean_screen(app, "log view, the end")  # the megabyte line, its markup literal
        log.focus()
        await pilot.press("slash")
        await type_text(pilot, "[/]")
        await settle(pilot)
        assert_clean_screen(app, "log search")
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert_clean_screen(app, "back on the main screen")


# --- the text builders themselves, many more strings, no App ------------------------------------------------


def rendered_ansi(renderable) -> str:
    console = Console(
        width=120, file=io.StringIO(), force_terminal=True, color_system="truecolor", legacy_windows=False
    )
    console.print(renderable)
    return console.file.getvalue()


def assert_no_controls(ansi: str, where: str) -> None:
    leftover = TEXTUAL_SEQUENCES.sub("", ansi).replace("\n", "")
    bad = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(leftover)})
    assert not bad and "\x1b" not in leftover, f"{where}: {bad}"


def test_text_builders_never_emit_controls_or_markup():
    """400 hostile strings (with lone surrogates and 64 KB lines too) through every builder of display text."""
    from tui.core.log_locator import LogResolution
    from tui.core.log_target import LogTarget
    from tui.core.models import ClusterSummary, Node
    from tui.core.node_shell import NodeShell
    from tui.core.sanitize import cell_width, fit_cells
    from tui.core.tables import cluster_row, node_row
    from tui.screens._log_text import StatusFacts, notice_text, status_text, title_text, where_text
    from tui.screens.detail import render_sections
    from tui.text import content, plain

    rng = random.Random(2026)
    for index in range(400):
        value = hostile(rng, parts=rng.randint(1, 12)) + ("\ud800" if index % 7 == 0 else "")
        if index % 50 == 0:
            value += "w" * 65_536
        node = Node(value[:40], value, "ml.p5.48xlarge", value, value, None, value)
        renderables = [
            plain(value),
            title_text(LogTarget(value, None, value, value, value), "lifecycle"),
            where_text(LogResolution(value, (value,), "guide", value), 0),
            notice_text(LogResolution(None, (), None, value, (value,), (value,)), "health"),
            status_text(StatusFacts(term=value, problem=value)),
            render_sections([(value, [(value, value), ("Status", value)])], lambda kind: ""),
        ]
        for renderable in renderables:
            assert_no_controls(rendered_ansi(renderable), f"string {index}: {type(renderable).__name__}")
        assert_no_controls(content(value).plain, f"string {index}: content")
        shell = NodeShell.for_node(
            cluster=value,
            cluster_arn="arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222",
            group="g",
            instance_id="i-0123456789abcdef0",
            hostname=value,
            document=value,
        )
        for line in (shell.title, shell.place, shell.info_line(value), shell.fullscreen_banner(value)):
            assert_no_controls(line, f"string {index}: shell text")
        rows = [node_row(node), cluster_row(ClusterSummary(value, value, value, None), None, None, None)]
        for cell in (v for row in rows for v in row.values if isinstance(v, str)):
            assert_no_controls(cell, f"string {index}: table cell")
            for width in (1, 7, 30):
                assert cell_width(fit_cells(cell, width)) == width


def test_shell_output_never_reaches_the_terminal_raw():
    """What a plugin or a remote shell prints goes through the pty pane's terminal emulator (pyte) and its row
    renderer: 300 random hostile byte strings leave no control character in the painted rows, every row exactly
    as wide as the pane."""
    import pyte
    from rich.style import Style

    from tui.widgets._pty_render import render_row

    rng = random.Random(52)
    for index in range(300):
        screen = pyte.Screen(60, 6)
        stream = pyte.ByteStream(screen)
        data = hostile(rng, parts=rng.randint(4, 30)).encode("utf-8", "surrogatepass")
        if index % 3 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))  # not even UTF-8
        stream.feed(data)
        for y in range(screen.lines):
            strip = render_row(screen.buffer[y], screen.columns, 60, Style())
            text = "".join(segment.text for segment in strip)
            assert not CONTROL.search(text), f"case {index}, row {y}: {text!r}"
            assert strip.cell_length == 60
