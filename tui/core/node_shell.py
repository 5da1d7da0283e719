"""A shell on one HyperPod node as the app presents it: which node, its SSM target, titles and banners.

Pure: no I/O, no textual. Every name here came from AWS, so every string this module returns for display has
gone through `clean()` (a cluster or group name cannot smuggle an escape sequence onto the terminal, which
matters most for the full-screen banner: it is printed to the real terminal with the app suspended).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.sanitize import clean
from tui.core.ssm import session_user_note, ssm_target
from tui.core.tables import short_hostname

BANNER_TAG = "<<hyperpod-tui shell>>"  # k9s prints <<K9s-Shell>> before `kubectl exec`; same idea
QUICK_EXIT_S = 5.0  # a full-screen session shorter than this probably failed: keep its output readable


@dataclass(frozen=True)
class NodeShell:
    """What a shell request is about. Built from the node the cursor was on when the key was pressed."""

    cluster: str
    group: str
    instance_id: str
    target: str
    hostname: str = ""
    status: str = ""
    document: str | None = None

    @classmethod
    def for_node(
        cls,
        *,
        cluster: str,
        cluster_arn: str,
        group: str,
        instance_id: str,
        hostname: str = "",
        status: str = "",
        document: str | None = None,
    ) -> NodeShell:
        """Raises ValueError (with a sentence for the user) when the ARN, group or id cannot make a target."""
        target = ssm_target(cluster_arn, group, instance_id)
        return cls(cluster, group, instance_id, target, hostname, status, document or None)

    @property
    def title(self) -> str:
        """A tab label: the node and its cluster."""
        return f"{clean(self.instance_id, max_len=24)} · {clean(self.cluster, max_len=32)}"

    @property
    def place(self) -> str:
        """`node i-… (group g, host h) · cluster c`, for info lines and notifications."""
        extra = [f"group {clean(self.group, max_len=63)}"]
        if self.hostname:
            extra.append(clean(short_hostname(self.hostname), max_len=64))
        return f"node {clean(self.instance_id, max_len=24)} ({', '.join(extra)}) · cluster {clean(self.cluster, max_len=64)}"

    @property
    def user_note(self) -> str:
        return session_user_note(clean(self.document, max_len=128) if self.document else None)

    def info_line(self, session_id: str | None = None) -> str:
        """The line above an embedded terminal."""
        parts = [self.place]
        if session_id:
            parts.append(f"session {clean(session_id, max_len=80)}")
        return " · ".join(parts)

    def fullscreen_banner(self, session_id: str) -> str:
        """Printed to the terminal just before the plugin takes it over (the app is suspended)."""
        return (
            f"{BANNER_TAG} {self.place}\n"
            f"target {clean(self.target, max_len=400)} · session {clean(session_id, max_len=80)}\n"
            f"{self.user_note}\n"
            "hyperpod-tui comes back when this shell ends (type `exit`).\n"
        )


def exit_summary(exit_code: int | None, failure: str | None = None) -> str:
    """What a finished session's tab says. The plugin exits 0 even when it failed, so the failure line counts."""
    if failure:
        return f"session failed: {clean(failure, max_len=300)}"
    if exit_code is None:
        return "session ended"
    if exit_code < 0:
        return f"session ended (killed by signal {-exit_code})"
    return f"session ended (exit {exit_code})"


def fullscreen_return_prompt(exit_code: int, elapsed_s: float) -> str | None:
    """After a full-screen session: ask for Enter before repainting when it ended so fast that whatever the
    plugin printed (e.g. "Cannot perform start session: …") would otherwise vanish under the app."""
    if elapsed_s >= QUICK_EXIT_S and exit_code == 0:
        return None
    return f"\n{BANNER_TAG} the session ended after {elapsed_s:.1f} s (exit {exit_code}). Press Enter to return."
