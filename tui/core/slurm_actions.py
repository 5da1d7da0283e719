"""Slurm's actions on nodes, as `scontrol update` commands run on the controller (tui/controllers/slurm.py).

Drain with the user's reason (shlex-quoted: the agent shlex-splits a non-interactive command, and a shell form would
parse it too, so the reason is always one argument and nothing in it runs), resume, and reboot or replace *through
Slurm*: `state=fail reason="Action:Reboot"` / `"Action:Replace"`, the exact strings HyperPod acts on (case- and
whitespace-sensitive; anything else is ignored), which waits for the nodes' running jobs, unlike the API's
BatchReboot/BatchReplaceClusterNodes. No Textual.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.sanitize import clean
from tui.core.slurm import NAME_PATTERN

MAX_REASON = 200  # characters of a drain reason the user types
MAX_NAMES_BYTES = 3500  # the `node=` list must fit in one command parameter (core.run.MAX_COMMAND)


@dataclass(frozen=True, slots=True)
class SlurmAction:
    name: str  # drain | resume | reboot | replace
    label: str
    explain: str
    needs_reason: bool = False

    @property
    def short(self) -> str:
        """The label in a row of choices: `Reboot (Slurm)`."""
        return self.label.replace(" through Slurm", " (Slurm)")


SLURM_ACTIONS: tuple[SlurmAction, ...] = (
    SlurmAction(
        "drain",
        "Drain",
        "Slurm stops giving the nodes new jobs and lets the running ones finish (state=drain, with your reason).",
        needs_reason=True,
    ),
    SlurmAction("resume", "Resume", "Slurm takes the nodes back into service (state=resume)."),
    SlurmAction(
        "reboot",
        "Reboot through Slurm",
        'Marks the nodes state=fail reason="Action:Reboot": Slurm waits for their running jobs, then HyperPod '
        "reboots them. The API reboot (R) does not wait for jobs.",
    ),
    SlurmAction(
        "replace",
        "Replace through Slurm",
        'Marks the nodes state=fail reason="Action:Replace": Slurm waits for their running jobs, then HyperPod '
        "replaces them (same hostname, new instance). The API replace (P) does not wait for jobs. Do not change "
        "the nodes' state again while it runs.",
    ),
)
ACTIONS_BY_NAME = {action.name: action for action in SLURM_ACTIONS}


def reason_problem(reason: str) -> str | None:
    """Why a drain reason cannot be sent, or None."""
    if not reason.strip():
        return "Type a reason: Slurm requires one to drain."
    if len(reason) > MAX_REASON:
        return f"At most {MAX_REASON} characters."
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        return "One line of printable text only."
    return None


def scontrol_command(action: str, names: Sequence[str], reason: str = "") -> str:
    """The `scontrol update` command for `action` on the Slurm node `names`. Raises ValueError for a name that is
    not a Slurm node name, an empty list, a list too long for one command, or a bad drain reason."""
    if not names:
        raise ValueError("no Slurm node names")
    bad = [name for name in names if not NAME_PATTERN.match(name)]
    if bad:
        raise ValueError(f"not a Slurm node name: {clean(bad[0], max_len=60)}")
    joined = ",".join(names)
    if len(joined.encode()) > MAX_NAMES_BYTES:
        raise ValueError(f"{len(names)} nodes do not fit in one command: mark fewer")
    if action == "drain":
        problem = reason_problem(reason)
        if problem:
            raise ValueError(problem)
        return f"scontrol update node={joined} state=drain reason={shlex.quote(reason.strip())}"
    if action == "resume":
        return f"scontrol update node={joined} state=resume"
    if action == "reboot":
        return f'scontrol update node={joined} state=fail reason="Action:Reboot"'
    if action == "replace":
        return f'scontrol update node={joined} state=fail reason="Action:Replace"'
    raise ValueError(f"unknown Slurm action: {clean(action, max_len=40)}")


__all__ = ["ACTIONS_BY_NAME", "SLURM_ACTIONS", "SlurmAction", "reason_problem", "scontrol_command"]
