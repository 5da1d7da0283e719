"""Port forwards driven like a user against the simulator: `f` on a node opens the form, the forward listens on a
local port and carries bytes to the node's dashboard stand-in, `:pf` lists it, ctrl+k stops it (TerminateSession);
a remote-host forward reaches another node; `q` asks while one runs; forwards end with the app."""

from __future__ import annotations

import asyncio
import os
import urllib.request

from tests.app.shell_support import main_screen, wait_until
from tests.app.test_quit_and_close import question_text
from tests.harness import make_app, settle, type_text
from tui.core import lifetime
from tui.core.port_forward import ENDED, LISTENING, ForwardSpec
from tui.core.ssm import ssm_target
from tui.screens.ask import AskScreen
from tui.screens.forwards import ForwardFormScreen, ForwardListScreen

SLURM = "llm-pretrain-slurm"
SIZE = (120, 40)


async def on_slurm(pilot, app):
    await settle(pilot)
    main = main_screen(app)
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    main.nodes_table.focus()
    await pilot.pause()
    return main


def node_of(main, group: str):
    return sorted(
        (n for n in main.state.focus_snapshot.nodes.values() if n.group == group and n.status == "Running"),
        key=lambda n: n.instance_id,
    )[0]


def fetch(address: str) -> str:
    with urllib.request.urlopen(f"http://{address}/", timeout=10) as answer:
        return answer.read().decode()


def session_of(app, forward):
    return next(s for s in app.simulator.sessions if s.session_id == forward.session_id)


def alive(pid: int) -> bool:
    return lifetime.alive(pid)


async def test_f_on_the_controller_forwards_a_local_port_to_its_dashboard_pf_lists_it_ctrl_k_stops_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        controller = node_of(main, "controller-machine")
        main.nodes_table.move_cursor_to(controller.instance_id)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, ForwardFormScreen)
        await type_text(pilot, "3000")
        await pilot.press("enter")
        await pilot.pause()
        forward = main.forwards.forwards[-1]
        await wait_until(pilot, lambda: forward.state == LISTENING, "the forward to listen", timeout=20)
        assert forward.address.startswith("localhost:") and forward.local_port > 0
        body = await asyncio.get_running_loop().run_in_executor(None, fetch, forward.address)
        assert "Grafana on ip-10-1-192-133:3000" in body  # the bytes reached the controller's stand-in and back
        session = session_of(app, forward)
        assert session.status == "Connected" and session.document_name == "AWS-StartPortForwardingSession"
        assert session.parameters == {"portNumber": ["3000"]}  # no localPortNumber: the plugin picked one
        await wait_until(pilot, lambda: forward.connections == 1, "the plugin to report the connection")
        # :pf lists it with its state and address
        await pilot.press("colon")
        await type_text(pilot, "pf")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ForwardListScreen)
        listed = app.screen.shown_text()
        assert forward.address in listed and "listening" in listed and "ip-10-1-192-133:3000" in listed
        pid = forward._process.pid
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: forward.state == ENDED, "the forward to end")
        await pilot.pause(0.2)
        assert session_of(app, forward).status == "Terminated"
        assert not alive(pid)
        assert "ended (stopped)" in app.screen.shown_text()
        assert main.forwards.running == 0


async def test_a_remote_host_forward_reaches_the_controller_through_a_worker_and_an_unknown_host_is_reported():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        detail = main.state.focus_detail
        worker, controller = node_of(main, "worker-group-1"), node_of(main, "controller-machine")
        target = ssm_target(detail.arn, worker.group, worker.instance_id)
        spec = ForwardSpec(SLURM, worker.instance_id, target, 8265, 0, controller.ip, worker.hostname)
        forward = main.forwards.start(spec)
        await wait_until(pilot, lambda: forward.state == LISTENING, "the forward to listen", timeout=20)
        body = await asyncio.get_running_loop().run_in_executor(None, fetch, forward.address)
        assert "Ray dashboard on ip-10-1-192-133:8265" in body
        session = session_of(app, forward)
        assert session.document_name == "AWS-StartPortForwardingSessionToRemoteHost"
        assert session.parameters == {"host": [controller.ip], "portNumber": ["8265"]}
        nowhere = main.forwards.start(ForwardSpec(SLURM, worker.instance_id, target, 80, 0, "10.9.9.9"))
        await wait_until(pilot, lambda: nowhere.state == LISTENING, "the second forward to listen", timeout=20)

        def refused() -> None:
            try:
                fetch(nowhere.address)
            except OSError:
                return

        await asyncio.get_running_loop().run_in_executor(None, refused)
        await wait_until(pilot, lambda: "could not connect" in nowhere.note, "the plugin to say the port failed")
        main.forwards.stop_all()
        await wait_until(pilot, lambda: main.forwards.running == 0, "every forward to end")


async def test_q_asks_while_a_forward_runs_and_the_forward_ends_with_the_app():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        controller = node_of(main, "controller-machine")
        target = ssm_target(main.state.focus_detail.arn, controller.group, controller.instance_id)
        forward = main.forwards.start(ForwardSpec(SLURM, controller.instance_id, target, 22))
        await wait_until(pilot, lambda: forward.state == LISTENING, "the forward to listen", timeout=20)
        pid = forward._process.pid
        await pilot.press("q")
        await pilot.pause()
        assert "1 port forward running (the session will end)" in question_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AskScreen) and app.return_code is None and forward.live
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
    lifetime.end_all()  # what tui/startup.py does once the App has returned
    assert not alive(pid)
    assert session_of(app, forward).status == "Terminated"
    assert lifetime.open_sessions() == [] and os.getpid() not in lifetime.children()


async def test_the_form_refuses_a_bad_port_and_esc_opens_nothing():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = await on_slurm(pilot, app)
        main.nodes_table.move_cursor_to(node_of(main, "controller-machine").instance_id)
        await pilot.press("f")
        await pilot.pause()
        await type_text(pilot, "70000")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ForwardFormScreen)
        assert "1-65535" in str(app.screen.query_one("#forward-problem").render())
        await pilot.press("escape")
        await pilot.pause()
        assert main.forwards.forwards == [] and not any(s.document_name for s in app.simulator.sessions)
