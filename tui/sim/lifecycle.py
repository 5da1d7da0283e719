"""What the nodes write to CloudWatch: lifecycle-script runs and health-monitoring-agent lines.

Lines are never stored: a stream holds a recipe (a shared template, a start time, a pace and a few names)
and formats line i only when asked, so 10,000 nodes, or one stream of 200,000 lines, cost almost nothing
until someone reads them. Templates carry HyperPod's own `[SageMaker] …` lines around the script's output, and
both script marker families (docs/aws-facts.md, Lifecycle markers).
"""

from __future__ import annotations

import time
from typing import Protocol

# (milliseconds after the script starts, line). `{name}` fields come from the node's parameters.
_HEAD = (
    (0, "[SageMaker] Downloading lifecycle scripts"),
    (0, "[LIFECYCLE_SCRIPT_START] Starting lifecycle script execution"),
    (140, "[SCRIPT_DOWNLOAD_START] Downloading script from {s3_uri}on_create.sh"),
    (1210, "download: {s3_uri}on_create.sh to ../../tmp/lifecycle/on_create.sh"),
    (1490, "download: {s3_uri}lifecycle_script.py to ../../tmp/lifecycle/lifecycle_script.py"),
    (1720, "download: {s3_uri}provisioning_parameters.json to ../../tmp/lifecycle/provisioning_parameters.json"),
    (1850, "[SCRIPT_DOWNLOAD_COMPLETE] Script download completed"),
    (1990, "[start] on_create.sh"),
    (2060, "[start] on_create_main.sh"),
    (2300, "Reading resource config from /opt/ml/config/resource_config.json"),
    (2410, "Instance {instance_id} ({hostname}) in instance group {group}, node type {node_type}"),
)

_SLURM_WORK = (
    (3100, "Hit:1 http://{region}.ec2.archive.ubuntu.com/ubuntu jammy InRelease"),
    (3350, "Get:2 http://{region}.ec2.archive.ubuntu.com/ubuntu jammy-updates InRelease [128 kB]"),
    (5900, "Reading package lists..."),
    (7400, "Setting up lustre-client-modules-aws (2.15.6-1fsx1) ..."),
    (7800, "Mounting FSx for Lustre {fsx_dns}@tcp:/{fsx_mount} at /fsx"),
    (10900, "FSx for Lustre mounted at /fsx (lustre, 1.2 TiB)"),
    (11300, "Creating home directory /fsx/ubuntu for user ubuntu"),
    (12600, "Installing Docker 27.3.1, enroot 3.5.0 and pyxis 0.20.0"),
    (19800, "enroot: configured ENROOT_RUNTIME_PATH=/opt/sagemaker/enroot/runtime"),
    (20400, "Writing /opt/slurm/etc/slurm.conf (controller {controller_ip})"),
    (21900, "{slurm_daemon}: {slurm_daemon} version 24.11.0 started"),
    (22300, "Registered with slurmctld at {controller_ip}:6817"),
    (23800, "Starting node_exporter on :9100"),
    (25100, "Installing NVIDIA DCGM exporter (3.3.9-3.6.1)"),
    (28700, "Lifecycle configuration complete for {hostname}"),
)

_EKS_WORK = (
    (3000, "Configuring containerd root at /opt/sagemaker/containerd"),
    (4200, "Mounting NVMe instance store: mdadm --create /dev/md0 --level=0 --raid-devices=8"),
    (7100, "Formatted /dev/md0 as xfs, mounted at /opt/sagemaker"),
    (9300, "Fetching cluster CA and endpoint for EKS cluster {eks_name}"),
    (11800, "Bootstrapping kubelet with --node-labels=sagemaker.amazonaws.com/instance-group-name={group}"),
    (15400, "kubelet: Successfully registered node {hostname}"),
    (18200, "Installing EFA driver 1.37.0 and aws-ofi-nccl 1.13.2"),
    (24600, "nvidia-container-toolkit configured for containerd"),
    (27900, "Lifecycle configuration complete for {hostname}"),
)

_SUCCESS_TAIL = (
    (1200, "[stop] on_create.sh"),
    (1350, "[SCRIPT_EXECUTION_SUCCEEDED] Script executed successfully with exit code 0"),
    (1400, "[SageMaker] The lifecycle scripts succeeded."),
)

_FSX_FAILURE = (
    (3100, "Hit:1 http://{region}.ec2.archive.ubuntu.com/ubuntu jammy InRelease"),
    (5800, "Reading package lists..."),
    (7300, "Setting up lustre-client-modules-aws (2.15.6-1fsx1) ..."),
    (7700, "Mounting FSx for Lustre {fsx_dns}@tcp:/{fsx_mount} at /fsx"),
    (22700, "mount.lustre: mount {fsx_dns}@tcp:/{fsx_mount} at /fsx failed: Connection timed out"),
    (
        22800,
        "ERROR: FSx for Lustre mount failed after 3 attempts; "
        "check that the security group allows TCP 988 within the cluster subnet",
    ),
    (22900, "Traceback (most recent call last):"),
    (22901, '  File "/tmp/lifecycle/lifecycle_script.py", line 187, in <module>'),
    (22902, "    main(args)"),
    (22903, '  File "/tmp/lifecycle/lifecycle_script.py", line 133, in main'),
    (22904, '    ExecuteBashScript("./mount_fsx.sh").run(fsx_dns_name, fsx_mountname, "/fsx")'),
    (
        22905,
        "subprocess.CalledProcessError: Command '['sudo', 'bash', './mount_fsx.sh', '{fsx_dns}', "
        "'{fsx_mount}', '/fsx']' returned non-zero exit status 1.",
    ),
    (23100, "[error] on_create_main.sh failed, waiting 60 seconds before exit, to make sure logs are uploaded"),
    (83100, "[stop] on_create.sh with error"),
    (83250, "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1"),
    (83300, "[SageMaker] The lifecycle scripts failed."),
)


def _join(*parts: tuple) -> tuple:
    """Concatenate template parts, each part's offsets counted from the end of the previous one."""
    out: list[tuple[int, str]] = []
    base = 0
    for part in parts:
        for offset, line in part:
            out.append((base + offset, line))
        base = out[-1][0]
    return tuple(out)


SLURM_SUCCESS = _join(_HEAD, _SLURM_WORK, _SUCCESS_TAIL)
EKS_SUCCESS = _join(_HEAD, _EKS_WORK, _SUCCESS_TAIL)
FSX_FAILURE = _join(_HEAD, _FSX_FAILURE)


def _after(gap_ms: int, part: tuple) -> tuple:
    """`part` starting `gap_ms` after the previous part ended (a later attempt in the same stream)."""
    return tuple((offset + gap_ms, line) for offset, line in part)


# CloudWatch often keeps only the last line the script wrote before HyperPod's failure line.
_LOST_OUTPUT_FAILURE = (
    (12600, "Installing Docker 27.3.1, enroot 3.5.0 and pyxis 0.20.0"),
    (13000, "[SageMaker] The lifecycle scripts failed."),
)
_S3_FORBIDDEN = (
    (
        1210,
        "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden "
        "(download {s3_uri}on_create.sh): 403 Forbidden",
    ),
    (1300, "[SCRIPT_DOWNLOAD_FAILED] Script download failed"),
    (1350, "[SageMaker] The lifecycle scripts failed."),
)
_MINUTES, _DAYS = 60_000, 86_400_000
# Several attempts in one stream (a retry after a failure, software updates): HyperPod starts each with its
# `[SageMaker] Downloading lifecycle scripts` line. The Slurm one's first attempt left nothing but the last line
# and HyperPod's failure line; the EKS one's second attempt (a software update) could not download its script.
SLURM_RETRIED = _join(
    (_HEAD[0],),
    _LOST_OUTPUT_FAILURE,
    _after(9 * _MINUTES, _HEAD),
    _SLURM_WORK,
    _SUCCESS_TAIL,
    _after(5 * _DAYS, _HEAD),
    _SLURM_WORK,
    _SUCCESS_TAIL,
)
EKS_RETRIED = _join(
    _HEAD[:1],
    _HEAD[1:],
    _EKS_WORK,
    _SUCCESS_TAIL,
    _after(11 * _DAYS, _HEAD[:3]),
    _S3_FORBIDDEN,
    _after(40 * _MINUTES, _HEAD),
    _EKS_WORK,
    _SUCCESS_TAIL,
)
# How long a run takes at pace 1.0, for scheduling a node's Running time after its script.
SUCCESS_DURATION_MS = max(SLURM_SUCCESS[-1][0], EKS_SUCCESS[-1][0])

HMA_HEALTHY = (
    (
        0,
        '{{"level":"info","ts":"{iso}","msg":"HealthMonitoringAgent started","instanceId":"{instance_id}",'
        '"checks":["nvidia-smi","dcgm","efa","dmesg-xid"]}}',
    ),
    (300_000, '{{"level":"info","ts":"{iso}","msg":"All health checks passed","instanceId":"{instance_id}"}}'),
)
# The agent's detection records, in the Slurm agent's shape (keys with a trailing ": ", HYPERPOD-FACTS-2 §6.3);
# played from the fault's time (`ClusterBuilder.health_agent_log(..., fault_at=...)`), after HMA_HEALTHY.
HMA_DETECTION = (
    (
        0,
        '{{"level":"info","ts":"{iso}","msg":"DCGM Policy Violation found ","condition: ":"XID Error",'
        '"data: ":{{"ErrNum":79,"Message":"NVRM: Xid (PCI:0000:53:00): 79, GPU has fallen off the bus"}},'
        '"HealthMonitoringAgentDetectionEvent":"HealthEvent","instanceId":"{instance_id}"}}',
    ),
    (
        1_500,
        '{{"level":"warn","ts":"{iso}","msg":"Node marked unhealthy: GPU XID 79; reporting to HyperPod",'
        '"instanceId":"{instance_id}"}}',
    ),
)

# The EKS agent's shape (`"Event detail": {"Action", "Type"}`, HYPERPOD-FACTS-2 §6.3): an EFA device that stopped
# answering, the agent asking for a replacement.
HMA_EFA_DETECTION = (
    (
        0,
        '{{"level":"error","ts":"{iso}","msg":"EFA health check failed","Event detail":{{"Action":"replace",'
        '"Type":"EfaUnhealthy","Reason":"EFA device rdmap0s6 not responding: fi_getinfo returned -61"}},'
        '"HealthMonitoringAgentDetectionEvent":"HealthEvent","instanceId":"{instance_id}"}}',
    ),
)


class LineSource(Protocol):
    def __len__(self) -> int: ...
    def timestamp_ms(self, index: int) -> int: ...
    def message(self, index: int) -> str: ...


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


class ScriptedLines:
    """A template played from `start_ms` at `pace` (2.0 = twice as slow as written).

    `params` may be a callable: the names are then worked out the first time a line is read.
    """

    __slots__ = ("template", "start_ms", "pace", "_params")

    def __init__(self, template: tuple, start_ms: int, params, pace: float = 1.0) -> None:
        self.template = template
        self.start_ms = int(start_ms)
        self.pace = pace
        self._params = params

    @property
    def params(self) -> dict:
        if callable(self._params):
            self._params = self._params()
        return self._params

    def __len__(self) -> int:
        return len(self.template)

    def timestamp_ms(self, index: int) -> int:
        return self.start_ms + int(self.template[index][0] * self.pace)

    def message(self, index: int) -> str:
        line = self.template[index][1]
        if "{" not in line:
            return line
        if "{iso}" in line:
            return line.format(iso=_iso(self.timestamp_ms(index)), **self.params)
        return line.format(**self.params)


_PACKAGES = (
    "libnccl2",
    "libnccl-dev",
    "cuda-cupti-12-4",
    "libcudnn9-cuda-12",
    "python3-venv",
    "openmpi-bin",
    "libibverbs1",
    "rdma-core",
    "efa-config",
    "libfabric1-aws",
    "nvidia-fabricmanager-550",
    "datacenter-gpu-manager",
    "libpmix2",
    "hwloc",
    "numactl",
    "lustre-client-utils",
)


def _work_line(n: int, region: str) -> str:
    """Line n of a verbose install: apt's four stages for a package, then an NCCL test result."""
    pkg = _PACKAGES[(n * 7) % len(_PACKAGES)]
    version = f"{2 + n % 3}.{n % 23}.{n % 7}-1ubuntu{n % 4}"
    stage = n % 5
    if stage == 0:
        return (
            f"Get:{n % 997 + 1} http://{region}.ec2.archive.ubuntu.com/ubuntu jammy-updates/main amd64 "
            f"{pkg} {version} [{(n * 37) % 4096 + 1} kB]"
        )
    if stage == 1:
        return f"Unpacking {pkg} ({version}) ..."
    if stage == 2:
        return f"Setting up {pkg} ({version}) ..."
    if stage == 3:
        return f"Processing triggers for {pkg} ({version}) ..."
    return f"[nccl-tests] rank {n % 1024:>4} busbw {150 + n % 200}.{n % 100:02d} GB/s size {(n * 37) % 4096 + 1} KB"


class VerboseLines:
    """A very long lifecycle run: the usual head and tail around `count` generated package/test lines."""

    __slots__ = ("count", "start_ms", "step_ms", "params", "_head", "_tail")

    def __init__(self, count: int, start_ms: int, params: dict, step_ms: int = 4) -> None:
        self._head = _HEAD + ((_HEAD[-1][0] + 200, "Installing the full software stack (verbose mode)"),)
        self._tail = ((0, "Software stack installed"),) + _SUCCESS_TAIL
        if count < len(self._head) + len(self._tail):
            raise ValueError("count too small for a complete run")
        self.count = count
        self.start_ms = int(start_ms)
        self.step_ms = step_ms
        self.params = params

    def __len__(self) -> int:
        return self.count

    def timestamp_ms(self, index: int) -> int:
        head = len(self._head)
        if index < head:
            return self.start_ms + self._head[index][0]
        body_start = self.start_ms + self._head[-1][0]
        tail_from = self.count - len(self._tail)
        if index < tail_from:
            return body_start + (index - head + 1) * self.step_ms
        body_end = body_start + (tail_from - head) * self.step_ms
        return body_end + self._tail[index - tail_from][0] + 10

    def message(self, index: int) -> str:
        head = len(self._head)
        tail_from = self.count - len(self._tail)
        if index < head:
            return self._head[index][1].format(**self.params)
        if index >= tail_from:
            return self._tail[index - tail_from][1]
        return _work_line(index - head, self.params["region"])


class AppendedLines:
    """Events written through `Simulator.put_log_events`: kept as given."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[tuple[int, str]] = []

    def __len__(self) -> int:
        return len(self.events)

    def timestamp_ms(self, index: int) -> int:
        return self.events[index][0]

    def message(self, index: int) -> str:
        return self.events[index][1]
