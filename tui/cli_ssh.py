"""The `ssh-config` and `forward` subcommands' arguments (tui/headless_ssh.py runs them). Parsing only."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_ssh_commands(commands: Any, add_target_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    ssh = commands.add_parser(
        "ssh-config",
        prog="hyperpod-tui ssh-config",
        help="print ssh Host entries that reach the nodes through SSM (easy-ssh.sh parity); --write merges them",
        description="Print ~/.ssh/config Host entries for the cluster's Running nodes (aliases: CLUSTER for the "
        "controller, CLUSTER-login, CLUSTER-<host>, CLUSTER-<instance-id>, <instance-id>), each with a ProxyCommand "
        "`aws ssm start-session --document-name AWS-StartSSHSession --parameters portNumber=%p` carrying this "
        "command's --region, --profile and --endpoint-url.",
    )
    ssh.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    ssh.add_argument("--user", default="ubuntu", help="the User of every entry (default ubuntu, as easy-ssh.sh)")
    ssh.add_argument("--key", metavar="PATH", help="IdentityFile (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa)")
    ssh.add_argument("--nodes", metavar="all|controller|login|GROUP", default="all", help="which nodes (default all)")
    ssh.add_argument(
        "--write", action="store_true", help="merge the entries into the ssh config (a block per cluster, a backup)"
    )
    ssh.add_argument("--ssh-config", metavar="PATH", default="~/.ssh/config", help="the file --write merges into")
    ssh.add_argument(
        "--install-key",
        action="store_true",
        help="append the public key (--key's .pub) to the user's authorized_keys on those nodes, and check it",
    )
    ssh.add_argument("--yes", action="store_true", help="no confirmation prompt for --install-key (for scripts)")
    ssh.add_argument("--ssm-plugin", metavar="PATH", default=argparse.SUPPRESS, help="session-manager-plugin to run")
    ssh.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS, help="refuse --install-key")
    add_target_flags(ssh)
    forward = commands.add_parser(
        "forward",
        prog="hyperpod-tui forward",
        help="forward a local port to a port on a node (or a host it reaches) through SSM, until Ctrl-C",
        description="Forward LOCAL (0: any free port) on localhost to REMOTE on NODE (AWS-StartPortForwardingSession)"
        " or to REMOTE on HOST as the node reaches it (AWS-StartPortForwardingSessionToRemoteHost). The local address "
        "is printed on stdout once the forward listens. Ctrl-C ends it (and its SSM session).",
    )
    forward.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    forward.add_argument("node", metavar="NODE", help="instance id, host name, `controller` or `login`")
    forward.add_argument("forward", metavar="LOCAL:REMOTE[@HOST]", help="e.g. 8080:3000 or 0:8265@localhost")
    forward.add_argument(
        "--ssm-plugin", metavar="PATH", default=argparse.SUPPRESS, help="session-manager-plugin to run"
    )
    add_target_flags(forward)
