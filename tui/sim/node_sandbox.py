"""What a simulated node answers to a one-shot command (`AWS-StartNonInteractiveCommand` and the shell form through
`AWS-StartInteractiveCommand`): scripted, realistic outputs, nothing executed.

The simulator's StartSession puts the node's facts (hostname, instance type, a GPU fault) into the StreamUrl it
answers, as `sim-node=<urlsafe base64 JSON>` — the StreamUrl is the session's data channel, and in the simulator
the data channel is this module, run by the stand-in plugin (tui/sim/plugin.py). No import from the app.

- non-interactive: the agent shlex-splits the command and execs it without a shell; a `|` is a literal argument.
  An unknown program answers as Go's exec does (`exec: "x": executable file not found in $PATH`; the real agent's
  exact wording is UNCONFIRMED).
- interactive (the shell form `bash -c '<cmd>'; echo __hyperpod_rc=$?`): `|` into `grep [-i] [-v] WORD` works,
  unknown programs say `bash: line 1: x: command not found` with status 127, and the marker line follows.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shlex
import time
import zlib
from urllib.parse import parse_qs, urlsplit

from tui.sim import node_keys

PARAM = "sim-node"
NON_INTERACTIVE = "AWS-StartNonInteractiveCommand"
INTERACTIVE = "AWS-StartInteractiveCommand"
COMMAND_DOCUMENTS = frozenset({NON_INTERACTIVE, INTERACTIVE, "AmazonEKS-ExecuteNonInteractiveCommand"})
XID_79 = "NVRM: Xid (PCI:0000:53:00): 79, pid=2411, GPU has fallen off the bus."

# instance type → (GPU name as nvidia-smi prints it, count, memory MiB)
_GPUS = {
    "ml.p5.48xlarge": ("NVIDIA H100 80GB HBM3", 8, 81559),
    "ml.p4d.24xlarge": ("NVIDIA A100-SXM4-40GB", 8, 40960),
    "ml.g5.8xlarge": ("NVIDIA A10G", 1, 23028),
    "ml.g5.12xlarge": ("NVIDIA A10G", 4, 23028),
    "ml.g5.48xlarge": ("NVIDIA A10G", 8, 23028),
    "ml.g6.8xlarge": ("NVIDIA L4", 1, 23034),
}
_BUS = ["18", "2A", "3A", "53", "64", "97", "AB", "BA"]
_SHELL_FORM = re.compile(r"^bash -c (?P<quoted>.+); echo __hyperpod_rc=\$\?$", re.S)


def encode_facts(facts: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(facts, separators=(",", ":")).encode()).decode().rstrip("=")


def facts_from_stream_url(url: str) -> dict:
    """The node's facts from a simulator StreamUrl; {} when there are none (or they are unreadable)."""
    values = parse_qs(urlsplit(url).query).get(PARAM)
    if not values:
        return {}
    raw = values[0]
    try:
        facts = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return facts if isinstance(facts, dict) else {}


def nvidia_smi(facts: dict, args: list[str]) -> str | None:
    """None when the node has no NVIDIA GPU (the program is not there)."""
    gpu = _GPUS.get(str(facts.get("instance_type", "")))
    if gpu is None:
        return None
    name, count, memory = gpu
    fault = bool(facts.get("gpu_fault"))
    if "-L" in args:
        lines = [f"GPU {i}: {name} (UUID: GPU-{_uuid(facts, i)})" for i in range(count)]
        if fault and count > 3:
            lines[3] = "Unable to determine the device handle for GPU0000:53:00.0: Unknown Error"
        return "\n".join(lines)
    if "-q" in args:
        lines = ["==============NVSMI LOG==============", f"Attached GPUs                             : {count}"]
        for i in range(count):
            bus = _BUS[i % len(_BUS)]
            lines += [f"GPU 00000000:{bus}:00.0", f"    Product Name                          : {name}"]
            if fault and bus == "53":
                lines.append(f"    Xid Errors                            : 79 ({XID_79})")
            lines.append("    Pending Page Blacklist                : No")
        return "\n".join(lines)
    bar = "+-----------------------------------------------------------------------------------------+"
    lines = [
        bar,
        "| NVIDIA-SMI 550.127.05             Driver Version: 550.127.05     CUDA Version: 12.4     |",
        "|-----------------------------------------+------------------------+----------------------+",
        "| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |",
        "| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |",
        "|=========================================+========================+======================|",
    ]
    for i in range(count):
        bus = _BUS[i % len(_BUS)]
        short = name.removeprefix("NVIDIA ")[:20]
        if fault and bus == "53":
            lines += [
                f"|   {i}  {short:<20}           ERR! | 00000000:{bus}:00.0 ERR! |                 ERR! |",
                "|ERR!  ERR!  ERR!             ERR! / ERR! |   ERR! /  ERR!         | ERR!         ERR!    |",
            ]
        else:
            lines += [
                f"|   {i}  {short:<20}            On  | 00000000:{bus}:00.0 Off |                    0 |",
                f"| N/A   31C    P0             70W /  700W |       1MiB / {memory:>5}MiB |      0%      Default |",
            ]
        lines.append("+-----------------------------------------+------------------------+----------------------+")
    lines += [
        "",
        bar,
        "| Processes:                                                                              |",
        "|  GPU   GI   CI        PID   Type   Process name                              GPU Memory |",
        "|=========================================================================================|",
        "|  No running processes found                                                             |",
        bar,
    ]
    if fault:
        lines.append(XID_79)
    return "\n".join(lines)


def _uuid(facts: dict, index: int) -> str:
    # the same on every healthy node of a type, so that `nvidia-smi -L` groups (real UUIDs differ per GPU)
    seed = sum(ord(c) for c in str(facts.get("instance_type", ""))) * 7919 + index
    return f"{seed:08x}-0000-4000-8000-{index:012x}"


def dmesg(facts: dict) -> str:
    lines = ["[    0.000000] Linux version 6.8.0-1021-aws (buildd@lcy02-amd64-098)", "[    4.211337] nvidia: loading"]
    if facts.get("gpu_fault"):
        lines.append(f"[86399.120333] {XID_79}")
    return "\n".join(lines)


def program(facts: dict, argv: list[str]) -> tuple[str, int] | None:
    """(output, status) of one scripted program, or None when it does not exist on the node."""
    name, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    hostname = str(facts.get("hostname") or "localhost")
    if name == "hostname":
        return (f"{hostname}.ec2.internal" if "-f" in args else hostname), 0
    if name == "nvidia-smi":
        out = nvidia_smi(facts, args)
        return None if out is None else (out, 0)
    if name == "dmesg":
        return dmesg(facts), 0
    if name == "whoami":
        return "root", 0
    if name == "echo":
        return " ".join(args), 0
    if name == "cat" and args == ["/etc/hostname"]:
        return hostname, 0
    if name == "uptime":
        return " 12:00:00 up 12 days,  3:04,  0 users,  load average: 0.08, 0.03, 0.01", 0
    if name == "true":
        return "", 0
    if name == "sleep" and args:  # really waits (at most a minute): sessions that stay open, for the bench
        try:
            time.sleep(min(max(float(args[0]), 0.0), 60.0))
        except ValueError:
            return f"sleep: invalid time interval '{args[0]}'", 1
        return "", 0
    if name == "false":
        return "", 1
    if name == "sinfo":
        return sinfo(facts, args)
    if name == "scontrol":
        said = facts.get("scontrol")
        if isinstance(said, list) and len(said) == 2:
            return str(said[0]), int(said[1]) if isinstance(said[1], int) else 1
        return "scontrol: error: Unable to contact slurm controller (connect failure)", 1
    return None


# ── Slurm (rows from tui/sim/slurm.py through the facts) ──


def _sinfo_rows(facts: dict) -> list[list] | None:
    packed = facts.get("sinfo_z")
    if not isinstance(packed, str):
        return None
    try:
        rows = json.loads(zlib.decompress(base64.b64decode(packed)))
    except (ValueError, zlib.error, binascii.Error):
        return None
    return [row for row in rows if isinstance(row, list) and len(row) == 5] if isinstance(rows, list) else None


def _utc(epoch: object) -> str:
    if not isinstance(epoch, (int, float)):
        return "Unknown"
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


_SHORT_STATES = {"idle": "idle", "allocated": "alloc", "drained": "drain", "draining": "drng", "mixed": "mix"}
_FIELD = re.compile(r"%[-.]?\d*([A-Za-z%])")


def _field(row: list, letter: str) -> str:
    name, partition, state, reason, when = row
    if letter == "N":
        return str(name)
    if letter == "P":
        return str(partition)
    if letter == "T":
        return str(state)
    if letter == "t":
        base = str(state).rstrip("*~#!%$@^-+")
        return _SHORT_STATES.get(base, base[:5]) + str(state)[len(base) :]
    if letter == "E":
        return str(reason) if reason else "none"
    if letter == "H":
        return _utc(when) if reason else "Unknown"
    if letter == "%":
        return "%"
    return ""


def _formatted(fmt: str, row: list) -> str:
    return _FIELD.sub(lambda match: _field(row, match.group(1)), fmt)


def sinfo(facts: dict, args: list[str]) -> tuple[str, int]:
    """`sinfo` (the partition summary), `sinfo -N` (a line per node and partition), `-h` (no header), `-o FMT`."""
    rows = _sinfo_rows(facts)
    if rows is None:
        return "slurm_load_partitions: Unable to contact slurm controller (connect failure)", 1
    fmt, header, per_node = None, True, False
    words = list(args)
    while words:
        word = words.pop(0)
        if word in ("-h", "--noheader"):
            header = False
        elif word in ("-N", "--Node"):
            per_node = True
        elif word in ("-o", "--format") and words:
            fmt = words.pop(0)
        elif word.startswith("--format="):
            fmt = word.split("=", 1)[1]
    if fmt is not None:
        out = [_formatted(fmt, row) for row in rows]
        return "\n".join(out), 0
    if per_node:
        lines = [f"{'NODELIST':<20} NODES PARTITION STATE"] if header else []
        lines += [
            f"{row[0]:<20}     1 {row[1] + ('*' if row[1] == 'dev' else ''):<9} {_field(row, 't')}" for row in rows
        ]
        return "\n".join(lines), 0
    groups: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        groups.setdefault((str(row[1]), _field(row, "t")), []).append(str(row[0]))
    lines = ["PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST"] if header else []
    for (partition, state), names in groups.items():
        shown = partition + ("*" if partition == "dev" else "")
        lines.append(f"{shown:<9} {'up':>5} {'infinite':>10} {len(names):>6} {state:>6} {','.join(names)}")
    return "\n".join(lines), 0


def _grep(text: str, args: list[str]) -> tuple[str, int]:
    flags = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return "Usage: grep [OPTION]... PATTERNS [FILE]...", 2
    needle = words[0]
    ignore, invert = any("i" in f for f in flags), any("v" in f for f in flags)
    kept = [
        line
        for line in text.split("\n")
        if ((needle.lower() in line.lower()) if ignore else (needle in line)) != invert and line
    ]
    return "\n".join(kept), 0 if kept else 1


def non_interactive(facts: dict, command: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as error:
        return f"failed to parse the command: {error}"
    if not argv:
        return ""
    answer = program(facts, argv)
    if answer is None:
        return f'exec: "{argv[0]}": executable file not found in $PATH'
    return answer[0]


def shell(facts: dict, command: str) -> tuple[str, int]:
    """A tiny `bash -c`: `a | grep …`, `a && b`, `a; b`; unknown programs exit 127."""
    outputs: list[str] = []
    status = 0
    for part in re.split(r";|&&", command):
        if not part.strip():
            continue
        stages = part.split("|")
        try:
            argv = shlex.split(stages[0])
        except ValueError as error:
            return f"bash: -c: line 1: {error}", 2
        if not argv:
            continue
        answer = program(facts, argv)
        if answer is None:
            text, status = f"bash: line 1: {argv[0]}: command not found", 127
        else:
            text, status = answer
        for stage in stages[1:]:
            words = shlex.split(stage)
            if words and words[0] == "grep":
                text, status = _grep(text, words[1:])
            elif words and words[0] in ("head", "cat", "sort"):
                text = "\n".join(text.split("\n")[:10]) if words[0] == "head" else text
            elif words:
                text, status = f"bash: line 1: {words[0]}: command not found", 127
        if text:
            outputs.append(text)
        if status != 0 and "&&" in command:
            break
    return "\n".join(outputs), status


def answer(facts: dict, document: str, command: str) -> str:
    """The session's whole output (the plugin's own lines not included); the pty makes its newlines CRLF."""
    keyed = node_keys.answer(document, command)  # ssh-config --install-key (tui/sim/node_keys.py)
    if keyed is not None:
        return keyed
    if document == INTERACTIVE:
        match = _SHELL_FORM.match(command)
        if match:
            try:
                inner = shlex.split(match.group("quoted"))
            except ValueError:
                inner = []
            text, status = shell(facts, inner[0] if len(inner) == 1 else match.group("quoted"))
            text = (text + "\n" if text else "") + f"__hyperpod_rc={status}"
        else:
            text, _status = shell(facts, command)
    else:
        text = non_interactive(facts, command)
    return text + ("\n" if text else "")
