"""What the core reads from the process environment: the AWS region and the state directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where the action journal and crash reports go: `$XDG_STATE_HOME/hyperpod-tui`."""
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hyperpod-tui"


def aws_region(flag: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """The region as the AWS CLI v2 picks it before the profile: --region, AWS_REGION, AWS_DEFAULT_REGION
    (botocore alone ignores AWS_REGION); None leaves it to the profile."""
    return flag or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
