"""The log screen driven like a user would (Pilot) against the in-process simulator: `l` on a node or a cluster,
the timeline strip, `e`, follow polls, the health-agent toggle, script streams, no log, errors, hostile text."""

from __future__ import annotations

import pytest

from tests.app.log_app import screen_rows, wait_for
from tests.harness import make_app, notices, settle
from tui.core.sanitize import LOG_LINE_LIMIT
from tui.screens.logs import LogScreen
from tui.screens.main import MainScreen
from tui.themes import load_all_themes

SIZE = (130, 42)
SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def _manual_polls(monkeypatch):
    """The follow timer would poll on its own every few seconds; tests step it with `poll_now()` instead."""
    monkeypatch.setattr(LogScreen, "follow_interval", 3600.0)


async def open_node_log(pilot, cluster: str, instance_id: str) -> LogScreen:
    app = pilot.app
    await settle(pilot)
    main = app.screen
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(cluster)
    await settle(pilot)
    main.jump_to_node(instance_id)
    await settle(pilot)
    assert main.nodes_table.cursor_key == instance_id
    await pilot.press("l")
    await settle(pilot)
    assert isinstance(app.screen, LogScreen), app.screen
    return app.screen


def text_of(screen: LogScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def segment_texts(screen: LogScreen) -> list[str]:
    view = screen.view
    return [segment.text for y in range(view.size.height) for segment in view.render_line(y)]


async def test_l_on_the_failing_node_shows_the_failing_stage_the_exit_code_and_e_lands_on_the_cause():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        failed = app.simulator.landmarks["failed_node"]
        screen = await open_node_log(pilot, SLURM, failed)
        view = screen.view
        assert failed in text_of(screen, "#log-title") and "worker-group-2" in text_of(screen, "#log-title")
        where = text_of(screen, "#log-where")
        assert f"stream LifecycleConfig/worker-group-2/{failed}" in where and "named in the failure message" in where
        strip = screen_rows(view)[0]
        assert "download ✓" in strip and "execute ✗" in strip and "exit code 1" in strip
        cause = text_of(screen, "#log-cause")
        # the first failure evidence (the word in any case) and the common cause it names
        assert screen.query_one("#log-cause").display and "connection timed out · mount.lustre: mount" in cause
        await pilot.press("e")
        assert view.pointer == view.document.timeline.first_failure.index
        assert view.document.lines[view.pointer].startswith("mount.lustre: mount")
        # markers are coloured by kind, in the theme's colours
        variables = load_all_themes().themes["hyperpod-dark"].variables
        rows = screen_rows(view)
        failed_row = next(y for y, row in enumerate(rows) if "[SCRIPT_EXECUTION_FAILED]" in row)
        coloured = [seg for seg in view.render_line(failed_row) if "SCRIPT_EXECUTION_FAILED" in seg.text]
        assert coloured[0].style.color.name.lower() == variables["log-marker-failure"].lower()
        start_row = next(y for y, row in enumerate(rows) if "[LIFECYCLE_SCRIPT_START]" in row)
        coloured = [seg for seg in view.render_line(start_row) if "LIFECYCLE_SCRIPT_START" in seg.text]
        assert coloured[0].style.color.name.lower() == variables["log-marker-start"].lower()
        assert f"{len(view.document)} lines" in text_of(screen, "#log-status")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_l_on_the_cluster_opens_the_log_its_failure_message_names():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        main.clusters_table.focus()
        await pilot.pause()
        assert main.clusters_table.cursor_key == SLURM
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        failed = app.simulator.landmarks["failed_node"]
        assert screen.resolution.source == "failure-message"
        assert screen.stream == f"LifecycleConfig/worker-group-2/{failed}"
        assert "execute ✗" in screen_rows(screen.view)[0]


async def test_l_on_a_cluster_without_a_failure_message_says_so():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster("genai-eks-prod")
        await settle(pilot)
        main.clusters_table.focus()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("has no failure message" in text for text, _ in notices(app))


async def test_follow_on_a_provisioning_node_waits_for_the_log_then_shows_new_lines_and_counts_them_when_scrolled_up():
    app = make_app()
    async with app.run_test(size=(110, 18)) as pilot:
        sim = app.simulator
        await settle(pilot)
        cluster = sim.cluster("research-slurm-dev")
        node = next(n for n in cluster.nodes.values() if n.group.name == "controller-machine")
        screen = await open_node_log(pilot, "research-slurm-dev", node.instance_id)
        # at the start the script has not written anything: the reasons, and a promise to look again
        notice = text_of(screen, "#log-notice")
        assert screen.query_one("#log-notice").display and not screen.view.display
        assert "still provisioning" in notice and "Tried:" in notice
        sim.clock.advance(12)
        screen.poll_now()
        await settle(pilot)
        view = screen.view
        assert view.display and not screen.query_one("#log-notice").display
        first = len(view.document)
        assert first > 0 and view.follow and "FOLLOW" in text_of(screen, "#log-status")
        assert view.document.timeline.outcome == "running"
        sim.clock.advance(8)
        screen.poll_now()
        await settle(pilot)
        second = len(view.document)
        assert second > first and view.scroll_y == view.max_scroll_y
        assert view.max_scroll_y > 0, "the test needs a log taller than the view"
        await pilot.press("pageup")
        await wait_for(pilot, lambda: not view.follow)
        sim.clock.advance(30)  # the script ends
        screen.poll_now()
        await settle(pilot)
        new = len(view.document) - second
        assert new > 0 and view.pending == new
        assert f"{new:,} new lines" in text_of(screen, "#log-status")
        assert f"{new:,} new lines" in screen_rows(view)[0]
        assert "[SCRIPT_EXECUTION_SUCCEEDED]" in view.document.lines[-2]
        assert view.document.lines[-1] == "[SageMaker] The lifecycle scripts succeeded."
        await pilot.press("f")
        await pilot.pause()
        assert view.follow and view.pending == 0 and view.scroll_y == view.max_scroll_y


async def test_the_follow_timer_polls_while_the_screen_is_open_and_stops_when_it_closes(monkeypatch):
    monkeypatch.setattr(LogScreen, "follow_interval", 0.05)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        sim = app.simulator
        pending = sim.landmarks["pending_node"]  # provisioning: the log opens following

        def polls() -> int:
            return sum(1 for call in sim.calls if call.operation == "GetLogEvents")

        screen = await open_node_log(pilot, SLURM, pending)
        assert screen.view.follow
        before = polls()
        await wait_for(pilot, lambda: polls() >= before + 3)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        closed = polls()
        await pilot.pause(0.4)
        assert polls() <= closed + 1  # at most one poll that was already in flight


async def test_h_toggles_the_health_agent_log_and_back():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        node = app.simulator.landmarks["health_event_node"]
        screen = await open_node_log(pilot, SLURM, node)
        lifecycle_lines = list(screen.view.document.lines)
        assert lifecycle_lines[0] == "[SageMaker] Downloading lifecycle scripts"
        await pilot.press("h")
        await settle(pilot)
        assert screen.mode == "health"
        assert "Health-monitoring agent log" in text_of(screen, "#log-title")
        assert f"SagemakerHealthMonitoringAgent/worker-group-1/{node}" in text_of(screen, "#log-where")
        assert any("HealthMonitoringAgentDetectionEvent" in line for line in screen.view.document.lines)
        await pilot.press("h")
        await pilot.pause()
        assert screen.mode == "lifecycle" and screen.view.document.lines == lifecycle_lines


async def test_h_on_a_node_without_a_health_agent_log_shows_why_and_h_goes_back():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        failed = app.simulator.landmarks["failed_node"]
        screen = await open_node_log(pilot, SLURM, failed)
        await pilot.press("h")
        await settle(pilot)
        notice = text_of(screen, "#log-notice")
        assert "No health-monitoring agent log found" in notice and "Likely reasons:" in notice
        assert "h: back to the lifecycle log" in notice and not screen.view.display
        await pilot.press("h")
        await pilot.pause()
        assert screen.view.display and "execute ✗" in screen_rows(screen.view)[0]


async def test_a_node_without_any_log_shows_the_reasons_and_what_was_tried():
    app = make_app("zoo")
    async with app.run_test(size=SIZE) as pilot:
        sim = app.simulator
        cluster = sim.cluster("zoo-inservice")
        missing = next(n for n in cluster.nodes.values() if n.status == "NotFound")
        screen = await open_node_log(pilot, "zoo-inservice", missing.instance_id)
        assert not screen.view.display and screen.query_one("#log-notice").display
        notice = text_of(screen, "#log-notice")
        assert f"No lifecycle log found for {missing.instance_id} in cluster zoo-inservice" in notice
        assert "the cluster's execution role lacks CloudWatch Logs permissions" in notice
        assert f"LifecycleConfig/worker-group-1/{missing.instance_id}" in notice  # what was tried
        assert "still provisioning" not in notice
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_the_briefs_naming_resolves_and_c_cycles_the_script_streams():
    app = make_app("zoo")
    async with app.run_test(size=SIZE) as pilot:
        sim = app.simulator
        failed = sim.landmarks["failed_node"]
        group = "/aws/sagemaker/hyperpod/zoo-failed"
        first_event = sim.world.logs.groups[group].streams[f"{failed}/on_create.sh"].source.timestamp_ms(0)
        sim.put_log_events(
            group, f"{failed}/00-prepare.sh", ["prepare ran first", "exit code 0"], start=first_event / 1000 - 60
        )
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster("zoo-failed")
        await settle(pilot)
        main.clusters_table.focus()
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        assert screen.resolution.group == group and screen.resolution.source == "failure-message"
        assert screen.resolution.streams == (f"{failed}/00-prepare.sh", f"{failed}/on_create.sh")
        assert "(1 of 2, c: next)" in text_of(screen, "#log-where")
        assert screen.view.document.lines == ["prepare ran first", "exit code 0"]
        await pilot.press("c")
        await settle(pilot)
        assert screen.stream == f"{failed}/on_create.sh" and "(2 of 2, c: next)" in text_of(screen, "#log-where")
        assert "execute ✗" in screen_rows(screen.view)[0]


async def test_a_node_of_the_briefs_cluster_is_found_by_discovery():
    app = make_app("zoo")
    async with app.run_test(size=SIZE) as pilot:
        cluster = app.simulator.cluster("zoo-failed")
        running = next(n for n in cluster.nodes.values() if n.group.name == "worker-group-1" and n.status == "Running")
        screen = await open_node_log(pilot, "zoo-failed", running.instance_id)
        assert screen.resolution.source == "discovered"
        assert screen.stream == f"{running.instance_id}/on_create.sh"
        assert "execute ✓" in screen_rows(screen.view)[0]


async def test_access_denied_reading_the_log_is_shown_in_the_screen():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.simulator.faults.fail("GetLogEvents", "AccessDeniedException", "User is not authorized", times=50)
        failed = app.simulator.landmarks["failed_node"]
        screen = await open_node_log(pilot, SLURM, failed)
        notice = screen.query_one("#log-notice")
        assert notice.display and notice.has_class("-error") and not screen.view.display
        text = text_of(screen, "#log-notice")
        assert "Could not read the log" in text and "access denied" in text and "Traceback" not in text
        app.simulator.faults.clear()
        await pilot.press("r")
        await settle(pilot)
        assert screen.view.display and "execute ✗" in screen_rows(screen.view)[0]


async def test_a_throttled_follow_poll_is_reported_and_the_next_one_resumes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        sim = app.simulator
        screen = await open_node_log(pilot, SLURM, sim.landmarks["pending_node"])
        lines = len(screen.view.document)
        sim.faults.throttle("GetLogEvents", times=20)
        sim.clock.advance(60)
        screen.poll_now()
        await settle(pilot)
        assert "throttled" in text_of(screen, "#log-status")
        assert len(screen.view.document) == lines
        sim.faults.clear()
        screen.poll_now()
        await settle(pilot)
        assert len(screen.view.document) > lines and "throttled" not in text_of(screen, "#log-status")


HOSTILE = [
    "ERROR: clipboard \x1b]52;c;ZWNobyBwd25lZA==\x07 [bold red]x[/]",
    "\x1b[2Jcleared screen",
    "[bold red]x[/]",
    "nul\x00byte",
    b"bad utf-8 \xff\xfe\xc3".decode("utf-8", errors="replace"),
    "A" * 1_048_576,
    "after the long line",
]


async def test_a_hostile_stream_renders_inert_in_the_real_screen():
    app = make_app("zoo")
    async with app.run_test(size=SIZE) as pilot:
        sim = app.simulator
        cluster = sim.cluster("zoo-inservice")
        node = next(n for n in cluster.nodes.values() if n.status == "NotFound")
        sim.put_log_events(cluster.log_group, f"LifecycleConfig/worker-group-1/{node.instance_id}", HOSTILE)
        screen = await open_node_log(pilot, "zoo-inservice", node.instance_id)
        view = screen.view
        assert len(view.document) == len(HOSTILE)
        texts = segment_texts(screen)
        assert texts and not any("\x1b" in t or "\x07" in t or "\x00" in t for t in texts)
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for t in texts for c in t)
        rows = screen_rows(view)
        assert any("clipboard  [bold red]x[/]" in row for row in rows)  # OSC 52 payload gone, markup literal
        assert not any("ZWNobyBwd25lZA" in t for t in texts)
        assert any(row[20:].startswith("cleared screen") for row in rows)
        assert any("nul\u2400byte" in row for row in rows)
        assert any("bad utf-8 \ufffd\ufffd\ufffd" in row for row in rows)
        long_line = view.document.lines[5]
        assert len(long_line) < LOG_LINE_LIMIT + 40 and long_line.endswith(
            f"[cut {1_048_576 - LOG_LINE_LIMIT:,} chars]"
        )
        assert view.document.lines[6] == "after the long line"
        # the texts around the view (built from AWS values and log lines) are inert too
        cause = text_of(screen, "#log-cause")
        assert "ERROR: clipboard  [bold red]x[/]" in cause and "\x1b" not in cause
        for selector in ("#log-title", "#log-where", "#log-status"):
            assert "\x1b" not in text_of(screen, selector)
        view.scroll_to(x=view.max_scroll_x, animate=False)
        await pilot.pause()
        assert any(row.rstrip().endswith("chars]") for row in screen_rows(view))


async def test_search_shows_matches_in_the_status_line_and_esc_clears_it_before_going_back():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_node_log(pilot, SLURM, app.simulator.landmarks["failed_node"])
        assert screen.active_bindings["escape"].binding.id == "log-back"  # the footer offers Esc: back
        await pilot.press("slash", *"lustre", "enter")
        await wait_for(pilot, lambda: app.focused is screen.view)
        view = screen.view
        assert len(view.search_lines) >= 3
        assert f"/lustre: 1/{len(view.search_lines)} matches" in text_of(screen, "#log-status")
        assert screen.active_bindings["escape"].binding.id == "log-end-search"
        await pilot.press("escape")
        assert view.search_term == "" and isinstance(app.screen, LogScreen)
        assert "matches" not in text_of(screen, "#log-status")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_marker_rules_from_the_config_classify_lines_in_the_viewer():
    rule = {"name": "fsx-timeout", "pattern": r"mount\.lustre: .* failed", "kind": "failure"}
    app = make_app(markers=(rule,))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_node_log(pilot, SLURM, app.simulator.landmarks["failed_node"])
        timeline = screen.view.document.timeline
        assert timeline.first_failure.rule.name == "fsx-timeout"
        assert timeline.first_failure_text.startswith("mount.lustre: mount")
        assert "mount.lustre: mount" in text_of(screen, "#log-cause")


async def test_a_bad_marker_rule_is_reported_by_name_at_startup_and_the_built_in_rules_are_used():
    app = make_app(markers=({"name": "broken", "pattern": "(", "kind": "failure"},))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [text for text, _ in notices(app)]
        assert any("marker rule 'broken': invalid regex" in m for m in messages), messages
        assert app.marker_matcher.rules[0].name == "service-attempt"  # the built-in table, HyperPod's own lines first


async def test_lines_a_poll_brings_after_switching_away_are_kept_for_the_way_back():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        sim = app.simulator
        screen = await open_node_log(pilot, SLURM, sim.landmarks["pending_node"])
        before = len(screen.view.document)
        sim.clock.advance(120)  # the script has ended
        worker = screen.poll_now()
        assert worker is not None
        await pilot.press("h")  # the poll is still running or its answer still queued
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert screen.mode == "lifecycle" and len(screen.view.document) > before
        assert "[SCRIPT_EXECUTION_SUCCEEDED]" in screen.view.document.lines[-2]


async def test_the_log_keys_can_be_rebound_by_id():
    app = make_app(keymap={"logs": "L", "log-first-failure": "E", "log-back": "backspace"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not any("unknown binding" in text for text, _ in notices(app))
        main = app.screen
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        main.jump_to_node(app.simulator.landmarks["failed_node"])
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await pilot.press("E")
        assert screen.view.document.lines[screen.view.pointer].startswith(
            "mount.lustre: mount"
        )  # the first failure evidence
        await pilot.press("backspace")
        assert isinstance(app.screen, MainScreen)


async def test_the_title_follows_the_nodes_status_while_the_log_is_open():
    """The main screen goes on listing nodes under the log screen; the title must not keep a stale status."""
    from tests.harness import sim_client

    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        running = next(
            node
            for node in main.state.focus_snapshot.nodes.values()
            if node.status == "Running" and node.group == "worker-group-1"
        )
        screen = await open_node_log(pilot, SLURM, running.instance_id)
        assert "(Running)" in text_of(screen, "#log-title")
        sim_client(sim).batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[running.instance_id])
        sim.clock.advance(3)
        main.action_refresh()  # what the refresh timer does under the log screen
        await settle(pilot)
        assert app.screen is screen
        screen.sync_node_status()  # what the follow timer does
        await settle(pilot)
        assert "(Pending)" in text_of(screen, "#log-title")
        sim.clock.advance(120)  # the reboot completes
        response = sim_client(sim).batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=[running.instance_id])
        assert response["Successful"] == [running.instance_id], response
        sim.clock.advance(120)
        main.action_refresh()
        await settle(pilot)
        screen.sync_node_status()
        await settle(pilot)
        assert "(no longer listed)" in text_of(screen, "#log-title")


# -- several attempts in one stream -------------------------------------------------------------------------


def attempt_rows(screen: LogScreen) -> list[str]:
    return text_of(screen, "#log-attempts").splitlines()


async def test_a_slurm_stream_with_three_attempts_shows_a_row_each_and_brackets_e_and_n_say_which_attempt():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        node = app.simulator.landmarks["retried_node"]
        screen = await open_node_log(pilot, SLURM, node)
        view = screen.view
        attempts = view.document.timeline.attempts
        assert len(attempts) == 3 and [a.outcome for a in attempts] == ["failed", "succeeded", "succeeded"]
        rows = attempt_rows(screen)
        assert rows[0].startswith("3 attempts in this stream") and len(rows) == 4
        # attempt 1 left only its last line and HyperPod's failure line: that line is named as the last step
        assert rows[1].startswith("▶  1") and "✗ failed" in rows[1]
        assert "last step: Installing Docker 27.3.1" in rows[1]
        assert "✓ succeeded" in rows[2] and "✓ succeeded" in rows[3] and "0:33" in rows[2]
        assert screen_rows(view)[0].startswith(" attempt 1 of 3: failed at")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert view.pointer == attempts[1].begin_index
        assert view.document.lines[view.pointer] == "[SageMaker] Downloading lifecycle scripts"
        assert attempt_rows(screen)[2].startswith("▶  2") and not attempt_rows(screen)[1].startswith("▶")
        assert screen_rows(view)[0].startswith(" attempt 2 of 3: download ✓")
        assert "attempt 2/3" in text_of(screen, "#log-status")
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert view.pointer == attempts[2].begin_index and ("No later attempt.", "information") in notices(app)
        await pilot.press("left_square_bracket")  # at the start of attempt 3: to attempt 2
        await settle(pilot)
        assert view.pointer == attempts[1].begin_index
        # e: attempt 2 has no failure line, so the latest attempt that has one, and it says which attempt
        await pilot.press("e")
        await settle(pilot)
        assert view.document.lines[view.pointer] == "[SageMaker] The lifecycle scripts failed."
        assert ("Attempt 1 of 3", "information") in notices(app)
        assert attempt_rows(screen)[1].startswith("▶  1")
        await pilot.press("n")  # into the next attempt: the note again
        await settle(pilot)
        assert view.attempt_of(view.pointer).attempt == 2 and notices(app).count(("Attempt 2 of 3", "information"))


async def test_an_eks_stream_with_three_attempts_collapses_to_one_line_at_80x24_and_a_expands_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        node = app.simulator.landmarks["retried_eks_node"]
        screen = await open_node_log(pilot, "genai-eks-prod", node)
        view = screen.view
        attempts = view.document.timeline.attempts
        assert [a.outcome for a in attempts] == ["succeeded", "failed", "succeeded"]
        assert attempts[1].cause == "403 Forbidden"
        rows = attempt_rows(screen)
        assert rows == [rows[0]] and rows[0].startswith("3 attempts: ▶1 ✓ · 2 ✗ · 3 ✓")
        assert screen.query_one("#log-attempts").size.height == 1
        assert view.size.height >= 14  # the log keeps its rows
        await pilot.press("a")
        await settle(pilot)
        rows = attempt_rows(screen)
        assert len(rows) >= 3 and "✗ failed" in "".join(rows) or "showing" in rows[0]
        assert view.size.height >= 9
        await pilot.press("right_square_bracket", "a")
        await settle(pilot)
        assert attempt_rows(screen)[0].startswith("3 attempts: 1 ✓ · ▶2 ✗ · 3 ✓")
        await pilot.press("e")
        await settle(pilot)
        assert "403 Forbidden" in view.document.lines[view.pointer]


async def test_the_attempt_keys_are_hidden_for_a_stream_of_one_attempt():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_node_log(pilot, SLURM, app.simulator.landmarks["failed_node"])
        assert not screen.query_one("#log-attempts").display
        actions = {active.binding.action for active in app.active_bindings.values()}
        assert "next_attempt" not in actions and "toggle_attempts" not in actions
        assert "first_failure" in actions  # (the view's other keys are there)
        await pilot.press("right_square_bracket")
        assert screen.view.pointer is None


HOSTILE_ATTEMPTS = [
    "[SageMaker] Downloading lifecycle scripts",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07[bold red]x[/] 漢字漢字 " + "B" * 1_048_576,
    "[SageMaker] The lifecycle scripts failed.",
    "[SageMaker] Downloading lifecycle scripts",
    "curl: (28) \x1b[2J[/] Connection timed out 漢字 [@click=app.quit]q " + "C" * 300,
    "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 7",
    "[SageMaker] The lifecycle scripts failed.",
]


async def test_hostile_lines_in_the_attempt_rows_and_the_why_line_are_inert_and_cut_with_an_ellipsis():
    app = make_app("zoo")
    async with app.run_test(size=(120, 40)) as pilot:
        sim = app.simulator
        cluster = sim.cluster("zoo-inservice")
        node = next(n for n in cluster.nodes.values() if n.status == "NotFound")
        sim.put_log_events(cluster.log_group, f"LifecycleConfig/worker-group-1/{node.instance_id}", HOSTILE_ATTEMPTS)
        screen = await open_node_log(pilot, "zoo-inservice", node.instance_id)
        assert len(screen.view.document.timeline.attempts) == 2
        strip = screen.query_one("#log-attempts")
        rows = attempt_rows(screen)
        assert "last step: [bold red]x[/] 漢字漢字 BBB" in rows[1]  # the markup literal, the escape gone
        assert rows[2].endswith("last step: execute · connection timed out")
        painted = [strip.render_line(y).text for y in range(strip.size.height)]
        assert all(len(row) <= 120 for row in painted) and painted[1].rstrip().endswith("…")
        for text in (*rows, text_of(screen, "#log-cause"), *painted):
            assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)
            assert "ZWNobyBwd25lZA" not in text
        # the Why line says so when it is cut
        cause = screen.query_one("#log-cause")
        assert "curl: (28) [/] Connection timed out 漢字 [@click=app.quit]q CCC" in text_of(screen, "#log-cause")
        assert cause.render_line(0).text.rstrip().endswith("…")
        assert app.is_running  # [@click=app.quit] stayed text


async def test_a_provisioning_nodes_timeline_shows_the_time_elapsed_by_the_clock():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_node_log(pilot, SLURM, app.simulator.landmarks["pending_node"])
        view = screen.view
        assert screen.target.provisioning and view.live and len(view.document)
        started = view.document.timeline.started_ms
        header = screen_rows(view)[0]
        elapsed = int(app.clock() * 1000) - started
        assert f"{elapsed // 60_000}:{elapsed // 1000 % 60:02d} elapsed" in header, header
