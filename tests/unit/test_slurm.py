"""core/slurm.py: the sinfo parser (hostile text, `|` in reasons, wide characters, garbage, bounds), the join, the
poll's pace, the scontrol commands, and the health signal (source e)."""

from __future__ import annotations

import shlex
from types import SimpleNamespace

import pytest

from tui.core import health, slurm, slurm_actions

LINE = "ip-10-1-2-3|drained|Action:Replace|2026-11-20T11:50:00"


def node(key, hostname, status="Running", group="workers", instance_id=None):
    return SimpleNamespace(key=key, hostname=hostname, status=status, group=group, instance_id=instance_id or key)


def test_a_line_is_name_state_reason_time():
    (found,) = slurm.parse_sinfo(LINE + "\n").nodes.values()
    assert (found.name, found.state, found.reason) == ("ip-10-1-2-3", "drained", "Action:Replace")
    assert found.reason_time == 1_795_175_400.0  # 2026-11-20 11:50:00 UTC
    assert found.kind == "fault" and found.hyperpod_action == "replace"


def test_no_reason_is_none_and_unknown_time():
    found = slurm.parse_line("ip-1|idle|none|Unknown")
    assert found is not None and found.reason == "" and found.reason_time is None and found.kind == "ok"


def test_a_reason_with_bars_keeps_them():
    found = slurm.parse_line("ip-1|drained|disk | full | again|2026-11-20T11:50:00")
    assert found is not None and found.reason == "disk | full | again" and found.reason_time is not None


@pytest.mark.parametrize(
    ("state", "kind", "base"),
    [
        ("down*", "fault", "down"),
        ("idle*", "fault", "not_responding"),
        ("allocated+", "busy", "allocated"),
        ("idle+drain", "fault", "drain"),
        ("draining", "warn", "draining"),
        ("fail", "fault", "fail"),
        ("idle~", "ok", "idle"),
        ("mixed", "busy", "mixed"),
    ],
)
def test_states(state, kind, base):
    found = slurm.parse_line(f"ip-1|{state}|none|Unknown")
    assert found is not None and (found.kind, found.base) == (kind, base)


@pytest.mark.parametrize(
    "line",
    [
        "garbage",
        "a|b",
        "ip-1|idle|none",  # three fields
        "ip 1|idle|none|Unknown",  # a space in the name
        "[red]x[/]|idle|none|Unknown",  # markup as a name
        "ip-1|<script>|none|Unknown",  # not a state
        "ip-1|idle|none|yesterday",  # not a time
        "ip-1|idle|" + "x" * 2000 + "|Unknown",  # too long to be sinfo
        "\x1b[31mip-1|idle|none|Unknown",  # an escape sequence in the name
    ],
)
def test_hostile_lines_are_not_nodes(line):
    assert slurm.parse_line(line) is None


def test_hostile_reasons_are_cleaned_and_cut():
    found = slurm.parse_line("ip-1|drained|\x1b]0;pwned\x07[bold]x[/] 漢字漢字 " + "y" * 400 + "|2026-11-20T11:50:00")
    assert found is not None
    assert "\x1b" not in found.reason and "\x07" not in found.reason
    assert "[bold]x[/]" in found.reason and "漢字" in found.reason  # kept as text: it reaches Textual as Text only
    assert len(found.reason) <= slurm.REASON_LIMIT + len("…[cut 999 chars]")


def test_garbage_output_says_what_it_said_and_counts():
    result = slurm.parse_sinfo("slurm_load_partitions: Unable to contact slurm controller (connect failure)\n")
    assert not result.nodes and result.garbage == 1
    assert "Unable to contact slurm controller" in result.problem
    mixed = slurm.parse_sinfo(f"noise\n{LINE}\n\nmore noise\n")
    assert list(mixed.nodes) == ["ip-10-1-2-3"] and mixed.garbage == 2 and not mixed.problem
    assert slurm.parse_sinfo("").problem == ""


def test_a_node_in_two_partitions_is_kept_once_and_reading_is_bounded():
    twice = slurm.parse_sinfo("ip-1|idle|none|Unknown\nip-1|idle|none|Unknown\n")
    assert list(twice.nodes) == ["ip-1"] and twice.garbage == 0
    many = "\n".join(f"ip-{i}|idle|none|Unknown" for i in range(slurm.MAX_LINES + 50))
    result = slurm.parse_sinfo(many)
    assert len(result.nodes) == slurm.MAX_LINES and result.garbage == 1


def test_join_by_short_hostname_login_nodes_and_unknown_names():
    answer = slurm.parse_sinfo(
        "ip-10-0-0-1|idle|none|Unknown\n"  # a login node
        "ip-10-0-0-2|down*|Not responding|2026-11-20T11:50:00\n"
        "ip-10-0-0-9|idle|none|Unknown\n"  # no listed node has this name
    )
    nodes = [
        node("i-login", "ip-10-0-0-1.us-west-2.compute.internal", group="login-group"),
        node("i-worker", "ip-10-0-0-2.ec2.internal", status="Pending"),
        node("i-controller", "ip-10-0-0-5.us-west-2.compute.internal", group="controller-machine"),
        node("i-none", ""),
    ]
    view = slurm.join("c", nodes, answer, 1.0)
    assert set(view.by_key) == {"i-login", "i-worker"}
    assert view.by_key["i-login"].state == "idle"
    assert view.unknown == ("ip-10-0-0-9",)
    # a replacement: the old instance and the new one share the hostname; both get what Slurm says
    again = slurm.join("c", [*nodes, node("i-new", "ip-10-0-0-2.ec2.internal")], answer, 1.0)
    assert again.by_key["i-new"] is again.by_key["i-worker"]


def test_the_cell_shows_state_reason_and_age():
    found = slurm.parse_line(LINE)
    cell = slurm.slurm_cell(found, found.reason_time + 240)
    assert cell == (("drained", "Failure"), ("Action:Replace · 4m", None))
    assert slurm.slurm_cell(None, 0) == ()


def test_health_signal_only_when_slurm_says_down_and_the_api_says_running():
    answer = slurm.parse_sinfo(
        f"{LINE}\nip-10-1-2-4|idle|none|Unknown\nip-10-1-2-5|down*|Not responding|2026-11-20T11:50:00\n"
    )
    nodes = [
        node("i-a", "ip-10-1-2-3.ec2.internal"),
        node("i-b", "ip-10-1-2-4.ec2.internal"),
        node("i-c", "ip-10-1-2-5.ec2.internal", status="Pending"),  # a replacement: both views shown, no signal
    ]
    signals = slurm.health_signals(nodes, answer, 5.0)
    assert set(signals) == {"i-a"}
    signal = signals["i-a"]
    assert signal.source == health.SLURM and signal.severity == health.FAULT and signal.repairing
    verdict = health.judge("i-a", [signal], status="Running")
    assert verdict.step.action == "wait"  # HyperPod acts on Action:Replace once the jobs end
    assert "Slurm" in verdict.cell(signal.time + 60)[0][0]
    down = slurm.health_signals([node("i-d", "ip-10-1-2-5")], answer, 5.0)["i-d"]
    assert down.fault == health.UNRESPONSIVE and health.judge("i-d", [down], status="Running").step.action == "reboot"


def test_the_schedule_never_overlaps_and_requests_wait_for_the_running_poll():
    schedule = slurm.SlurmPollSchedule(30)
    assert schedule.due(0.0)  # never polled
    assert schedule.start()
    assert not schedule.start() and not schedule.due(100.0)  # never two at once
    assert not schedule.request()  # asked during a poll: after it
    schedule.finish(10.0)
    assert schedule.due(10.5)  # the request remembered
    assert schedule.start()
    schedule.finish(11.0)
    assert not schedule.due(40.0) and schedule.due(41.0)  # then the slower pace
    assert slurm.SlurmPollSchedule(1).interval == slurm.MIN_POLL_S
    manual = slurm.SlurmPollSchedule(0)
    assert not manual.due(0.0) and manual.request() and manual.due(0.0)


def test_scontrol_commands_exact_and_quoted():
    names = ["ip-10-1-2-3", "ip-10-1-2-4"]
    assert slurm_actions.scontrol_command("replace", names) == (
        'scontrol update node=ip-10-1-2-3,ip-10-1-2-4 state=fail reason="Action:Replace"'
    )
    assert (
        slurm_actions.scontrol_command("reboot", names[:1])
        == 'scontrol update node=ip-10-1-2-3 state=fail reason="Action:Reboot"'
    )
    assert slurm_actions.scontrol_command("resume", names[:1]) == "scontrol update node=ip-10-1-2-3 state=resume"
    hostile = "x'; rm -rf / #$(reboot) `id`"
    command = slurm_actions.scontrol_command("drain", names[:1], hostile)
    # the agent shlex-splits: the reason comes back whole, as one argument, with nothing run
    assert shlex.split(command) == ["scontrol", "update", "node=ip-10-1-2-3", "state=drain", f"reason={hostile}"]
    # the exact HyperPod reasons survive the agent's split too
    assert shlex.split(slurm_actions.scontrol_command("replace", names[:1]))[-1] == "reason=Action:Replace"


@pytest.mark.parametrize(
    ("action", "names", "reason"),
    [
        ("drain", ["ip-1"], ""),
        ("drain", ["ip-1"], "two\nlines"),
        ("drain", ["ip-1"], "x" * 201),
        ("resume", [], ""),
        ("resume", ["ip-1;reboot"], ""),
        ("resume", ["ip-1 ip-2"], ""),
        ("resume", [f"ip-10-1-{i}-{i}" for i in range(400)], ""),
        ("explode", ["ip-1"], ""),
    ],
)
def test_scontrol_refuses(action, names, reason):
    with pytest.raises(ValueError):
        slurm_actions.scontrol_command(action, names, reason)


def test_controller_is_the_group_whose_node_type_is_controller():
    detail = SimpleNamespace(
        instance_groups=[
            SimpleNamespace(name="login", slurm_node_type="Login"),
            SimpleNamespace(name="head", slurm_node_type="Controller"),
        ]
    )
    assert slurm.controller_group(detail) == "head"
    up = node("i-h", "ip-1", group="head")
    found, why = slurm.pick_controller(detail, [node("i-l", "ip-2", group="login"), up])
    assert found is up and why == ""
    found, why = slurm.pick_controller(detail, [node("i-h", "ip-1", status="Pending", group="head")])
    assert found is None and "Pending" in why
    found, why = slurm.pick_controller(SimpleNamespace(instance_groups=[]), [])
    assert found is None and "no controller" in why


def test_headless_slurm_loads_no_textual():
    import subprocess
    import sys

    code = (
        "import sys, tui.cli, tui.headless_slurm, tui.backend\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
