"""Port forwards from the nodes pane: `f` on a node opens the form, `:pf` the list (state, local address, stop).

Each forward is a tui.core.port_forward.Forward running as a task on the app's loop: StartSession in the loop's
executor through the cluster's own facade (the shells' launcher: one SSM launch path), its plugin on its own pty.
Both are adopted by core.lifetime, so a forward ends with the app whatever way it ends; `q` asks first while one
runs (HyperPodApp.running_work). Stop (ctrl+k in the list) hangs the plugin up and calls TerminateSession.
A forward changes nothing on the control plane, so read-only mode allows it, as it allows shells.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen

from tui.controllers.shells import plugin_for
from tui.core import clipboard
from tui.core.models import no_instance_reason
from tui.core.port_forward import FAILED, LISTENING, Forward, ForwardSpec
from tui.core.sanitize import clean
from tui.core.ssm import SessionLauncher, ssm_target
from tui.core.tables import short_hostname
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.screens.forwards import ForwardListScreen
    from tui.screens.main import MainScreen

MAX_LIVE = 16  # forwards at once (each is a session and a plugin process)
KEPT = 32  # forwards listed, ended ones included (the oldest ended ones are dropped)


class ForwardsController:
    def __init__(
        self,
        screen: MainScreen,
        *,
        form: Callable[..., ModalScreen[Any]],
        listing: Callable[..., ForwardListScreen],
    ) -> None:
        self.screen = screen
        self._form, self._listing = form, listing
        self.forwards: list[Forward] = []
        self._list_screen: ForwardListScreen | None = None
        self._told: set[tuple[int, str]] = set()

    @property
    def running(self) -> int:
        return sum(1 for forward in self.forwards if forward.live)

    def request(self, node_id: str | None) -> None:
        screen = self.screen
        detail, snapshot = screen.state.focus_detail, screen.state.focus_snapshot
        node = snapshot.nodes.get(node_id) if snapshot is not None and node_id else None
        if detail is None or node is None:
            toast(screen, "No node highlighted: pick one in the Nodes pane first.", severity="warning")
            return
        refusal = no_instance_reason(node, "a port forward (an SSM session)")
        if refusal:
            toast(screen, refusal, severity="warning")
            return
        if self.running >= MAX_LIVE:
            toast(screen, f"{MAX_LIVE} forwards already run: stop one first (:pf, ctrl+k).", severity="warning")
            return
        try:
            target = ssm_target(detail.arn, node.group, node.instance_id)
        except ValueError as error:
            toast(screen, f"No SSM target for {node.instance_id}: {error}", severity="error")
            return
        name = short_hostname(node.hostname) or node.instance_id

        def answered(answer: tuple[int, int, str] | None) -> None:
            if answer is None:
                return
            local, remote, host = answer
            self.start(ForwardSpec(detail.name, node.instance_id, target, remote, local, host, node.hostname))

        screen.app.push_screen(self._form(name, detail.name), callback=answered)

    def _launcher(self, cluster: str) -> SessionLauncher:
        """Executor threads only (creating the client loads botocore models): the cluster's own facade."""
        app = hyperpod_app(self.screen)
        api, _name = app.ensure_api().resolve(cluster)
        return SessionLauncher(
            api.client("ssm"), profile=api.profile, endpoint_url=api.endpoint_url, plugin=plugin_for(app.settings)
        )

    def start(self, spec: ForwardSpec) -> Forward:
        forward = Forward(spec, lambda: self._launcher(spec.cluster), on_change=self._changed)
        self.forwards.append(forward)
        ended = [f for f in self.forwards if not f.live]
        for old in ended[: max(0, len(self.forwards) - KEPT)]:
            self.forwards.remove(old)
        self.screen.run_worker(forward.run(), group="forward", description="Port forward", exit_on_error=False)
        toast(self.screen, f"Forward to {spec.remote}: starting… (:pf lists the forwards)", timeout=4)
        return forward

    def _changed(self, forward: Forward) -> None:
        if self._list_screen is not None:
            self._list_screen.repaint()
        key = (id(forward), forward.state)
        if key in self._told:
            return
        self._told.add(key)
        if forward.state == LISTENING:
            toast(self.screen, f"Forwarding {forward.address} → {forward.spec.remote}", title="Port forward", timeout=8)
        elif forward.state == FAILED:
            toast(
                self.screen, f"Forward to {forward.spec.remote} failed: {forward.error}", severity="error", timeout=12
            )
        self.screen.refresh_bindings()

    def show_list(self) -> None:
        listing = self._listing(lambda: list(self.forwards), on_stop=self.stop, on_copy=self.copy)
        self._list_screen = listing

        def closed(_result: object) -> None:
            self._list_screen = None

        self.screen.app.push_screen(listing, callback=closed)

    def stop(self, forward: Forward) -> None:
        if not forward.live:
            toast(self.screen, "That forward is not running.", timeout=3)
            return
        forward.stop()
        toast(self.screen, f"Stopping the forward to {forward.spec.remote} (TerminateSession).", timeout=4)

    def stop_all(self) -> None:
        for forward in self.forwards:
            forward.stop()

    def copy(self, forward: Forward) -> None:
        address = forward.address
        if not address:
            toast(self.screen, f"The forward is {forward.state_text()}: no local address to copy.", timeout=4)
            return
        app = self.screen.app

        def copy() -> None:
            how = clipboard.copy_for_user(address, lambda text: app.call_from_thread(app.copy_to_clipboard, text))
            app.call_from_thread(toast, app, f"Copied {how}: {clean(address)}", timeout=5)

        run_in_thread(self.screen, copy, group="forward-copy", description="Copying the address", exclusive=True)
