"""The AWS console page of a cluster, and whether a browser can show it to the user.

The URL is the one AWS's own HyperPod CLI opens: the SageMaker console's cluster-management page in the
cluster's region. A browser is used only where it would open on the user's screen: a desktop session (a display,
or macOS), never over SSH without a forwarded display and never a text-mode browser, which would take over the
terminal the app is drawing on. Otherwise the caller copies the URL and shows it.
"""

from __future__ import annotations

import sys
import webbrowser
from collections.abc import Mapping
from urllib.parse import quote

from tui.core.clipboard import remote_without_display

# Text-mode browsers webbrowser may pick; they would draw over the app in the same terminal.
_TERMINAL_BROWSERS = ("www-browser", "links", "elinks", "lynx", "w3m")


def console_url(region: str, cluster_name: str) -> str:
    region = quote(region, safe="-")
    return (
        f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}"
        f"#/cluster-management/{quote(cluster_name, safe='-_.')}"
    )


def region_of_arn(arn: str) -> str | None:
    """`us-west-2` of `arn:aws:sagemaker:us-west-2:123456789012:cluster/abc`, None when the ARN has none."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def desktop_session(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    if remote_without_display(env):
        return False
    return platform == "darwin" or any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY"))


def open_in_browser(url: str, env: Mapping[str, str]) -> bool:
    """Open `url` in a graphical browser when one is reachable; False (nothing opened) otherwise. Blocking."""
    if not desktop_session(env):
        return False
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if getattr(browser, "name", "") in _TERMINAL_BROWSERS or type(browser).__name__ in ("GenericBrowser",):
        return False  # GenericBrowser runs a command in this terminal
    try:
        return bool(browser.open(url, new=2))
    except Exception:  # noqa: BLE001 - a broken browser launcher: fall back to copying
        return False
