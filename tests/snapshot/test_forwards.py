"""SVG snapshots of port forwards (under snapshots/test_forwards/): the form `f` opens on the controller, and the
`:pf` list with a forward in each state (set by hand, so that no port number or session id varies)."""

from __future__ import annotations

from tests.harness import make_app, settle, type_text
from tui.core.port_forward import ENDED, FAILED, LISTENING, Forward, ForwardSpec

SLURM = "llm-pretrain-slurm"


async def on_controller(pilot):
    app = pilot.app
    await settle(pilot)
    main = app.screen
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    main.nodes_table.focus()
    controller = next(n for n in main.state.focus_snapshot.nodes.values() if n.group == "controller-machine")
    main.nodes_table.move_cursor_to(controller.instance_id)
    await pilot.pause()
    return main, controller


def fixed_forwards(main, controller) -> None:
    target = "sagemaker-cluster:fnx5mywfdqrg_controller-machine-" + controller.instance_id
    states = [
        (ForwardSpec(SLURM, controller.instance_id, target, 3000, 8080, "", controller.hostname), LISTENING, ""),
        (
            ForwardSpec(SLURM, controller.instance_id, target, 8265, 0, "localhost"),
            LISTENING,
            "a connection was accepted",
        ),
        (ForwardSpec(SLURM, "i-0abc1234def567890", target, 22, 2222, ""), FAILED, ""),
        (ForwardSpec(SLURM, controller.instance_id, target, 9090, 9090, ""), ENDED, "stopped"),
    ]
    for spec, state, note in states:
        forward = Forward(spec, lambda: None)
        forward.state, forward.note = state, note or ("waiting for connections" if state == LISTENING else "")
        forward.local_port = spec.local_port or 41234
        if state == FAILED:
            forward.error = "TargetNotConnected: sagemaker-cluster:fnx5mywfdqrg_worker-group-2-i-0abc1234def567890"
        main.forwards.forwards.append(forward)


def test_the_forward_form_at_80x24(snap_compare):
    async def run_before(pilot):
        await on_controller(pilot)
        await pilot.press("f")
        await pilot.pause()
        await type_text(pilot, "3000")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_the_pf_list_at_80x24(snap_compare):
    async def run_before(pilot):
        main, controller = await on_controller(pilot)
        fixed_forwards(main, controller)
        main.action_port_forwards()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_the_pf_list_at_120x40(snap_compare):
    async def run_before(pilot):
        main, controller = await on_controller(pilot)
        fixed_forwards(main, controller)
        main.action_port_forwards()
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)


def test_q_asks_while_forwards_run_at_80x24(snap_compare):
    async def run_before(pilot):
        main, controller = await on_controller(pilot)
        fixed_forwards(main, controller)
        await pilot.press("q")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
