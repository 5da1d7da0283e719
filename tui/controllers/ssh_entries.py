"""`i` on a node, `:ssh-config`: the cluster's ssh entries through SSM (tui.core.ssh_config), as the headless
`hyperpod-tui ssh-config` prints them, from the nodes the app already listed (Running ones with an instance id).

The region, profile and endpoint are the cluster's own facade's (so a fleet member's), read in a worker thread;
under --demo the ProxyCommand is the simulator's stand-in for `aws`. y copies (core.clipboard); w writes into
~/.ssh/config after a question that names the file, in a worker (backup, atomic rename), and says what happened.
Writing the local ssh config changes nothing on AWS, so read-only mode allows it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.screen import ModalScreen

from tui.core import clipboard, ssh_config
from tui.core.sanitize import clean
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


class SshEntriesController:
    def __init__(
        self,
        screen: MainScreen,
        *,
        show: Callable[..., ModalScreen[None]],
        ask: Callable[..., ModalScreen[bool]],
    ) -> None:
        self.screen = screen
        self._show, self._ask = show, ask
        self.config_path = Path("~/.ssh/config")  # tests point it elsewhere
        self.home = Path.home()

    def open(self, node_id: str | None = None) -> None:
        screen = self.screen
        detail, snapshot = screen.state.focus_detail, screen.state.focus_snapshot
        if detail is None or snapshot is None:
            toast(screen, "Open a cluster first: its nodes are what the entries reach.", severity="warning")
            return
        roles = {g.name: g.slurm_node_type for g in detail.instance_groups}
        nodes = [
            ssh_config.SshNode(n.instance_id, n.group, n.hostname, roles.get(n.group, ""))
            for n in snapshot.nodes.values()
            if n.instance_id and n.status == "Running"
        ]
        app = hyperpod_app(screen)
        settings = app.settings

        def build() -> None:
            try:
                api, _name = app.ensure_api().resolve(detail.name)
                options = ssh_config.SshOptions(
                    key=ssh_config.find_key(self.home),
                    region=str(api.region_name or ""),
                    profile=None if settings.demo else api.profile,
                    endpoint_url=None if settings.demo else api.endpoint_url,
                    aws=ssh_config.demo_aws(sys.executable) if settings.demo else ("aws",),
                    extra=("--sim-scenario", settings.demo_scenario)
                    if settings.demo and settings.demo_scenario != "demo"
                    else (),
                )
                entries = ssh_config.build_entries(detail.name, detail.arn, nodes, options)
            except Exception as exc:  # noqa: BLE001 - a hostile name, no region: said, nothing shown
                app.call_from_thread(toast, app, f"No ssh entries: {exc}", severity="error", timeout=10)
                return
            app.call_from_thread(self._shown, entries, node_id)

        run_in_thread(screen, build, group="ssh-entries", description="Building the ssh entries", exclusive=True)

    def _shown(self, entries: ssh_config.Entries, node_id: str | None) -> None:
        if not entries.hosts:
            toast(self.screen, "No Running node with an instance id: no ssh entry to show.", severity="warning")
            return
        mine = next((hosts for hosts in entries.hosts if node_id and node_id in hosts), None)
        alias = (mine[-3] if len(mine) >= 3 else mine[0]) if mine else entries.hosts[0][0]
        lines = [
            "Each entry's ProxyCommand opens an SSM session (AWS-StartSSHSession) to the node's port 22: "
            f"`ssh {clean(alias)}` reaches {'the highlighted node' if mine else 'it'}.",
        ]
        if hyperpod_app(self.screen).settings.demo:
            lines.append("Demo: the ProxyCommand is the simulator's stand-in for `aws` (python -m tui.sim aws).")
        if entries.skipped:
            lines.append(f"Left out: {'; '.join(entries.skipped[:3])}")
        self.screen.app.push_screen(self._show(entries, "\n".join(lines), on_copy=self.copy, on_write=self.write))

    def copy(self, entries: ssh_config.Entries) -> None:
        app = self.screen.app

        def copy() -> None:
            how = clipboard.copy_for_user(entries.text, lambda text: app.call_from_thread(app.copy_to_clipboard, text))
            app.call_from_thread(toast, app, f"Copied {len(entries.hosts)} ssh entries {how}.", timeout=5)

        run_in_thread(self.screen, copy, group="ssh-entries-copy", description="Copying", exclusive=True)

    def write(self, entries: ssh_config.Entries) -> None:
        path = self.config_path.expanduser()
        question = Text(f"Write {len(entries.hosts)} ssh hosts of ", style="bold")
        question.append(clean(entries.cluster), style="bold")
        question.append(f" into {clean(str(path))}?", style="bold")
        question.append(
            "\nThey go between this cluster's marker comments (replacing the block written before); the rest of the "
            f"file is kept, and the old file is copied to {clean(path.name + ssh_config.BACKUP_SUFFIX)} first."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                run_in_thread(
                    self.screen, lambda: self._write(path, entries), group="ssh-write", description="ssh config"
                )

        self.screen.app.push_screen(self._ask(question, yes_keys=("w",), yes_label="write"), callback=answered)

    def _write(self, path: Path, entries: ssh_config.Entries) -> Any:
        app = self.screen.app
        try:
            outcome = ssh_config.write_entries(path, entries)
        except ssh_config.SshConfigError as error:
            app.call_from_thread(toast, app, str(error), title="ssh config", severity="error", timeout=12)
            return None
        if outcome.changed:
            backup = f" (backup: {outcome.backup})" if outcome.backup else ""
            message = f"Wrote {len(entries.hosts)} hosts to {outcome.path}{backup}"
        else:
            message = f"{outcome.path} already has these entries: unchanged"
        app.call_from_thread(toast, app, message, title="ssh config", timeout=10)
        return outcome
