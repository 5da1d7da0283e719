"""A simulated Amazon SageMaker HyperPod control plane speaking the real AWS JSON protocol.

    from tui.sim import Simulator, SimClock, SimError
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=1_790_000_000), seed=7)
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-west-2")
    sim.install(session)              # clients created from `session` from now on are answered in-process
    session.client("sagemaker").list_clusters()

A client created before install() is not covered (botocore copies a session's hooks into each client when it
is made); `sim.attach(client)` covers one. `sim.handle(service, operation, params)` calls the dispatcher
directly and returns plain JSON data (timestamps as epoch seconds) or raises SimError. Out of process:
`python -m tui.sim serve --port 0` (see `python -m tui.sim serve --help`).

Scenarios: `demo` (clusters llm-pretrain-slurm, genai-eks-prod, research-slurm-dev), `scale-10k`, `zoo`.
`sim.landmarks` names the notable resources of the scenario (the failed node, the 200,000-line stream, ...);
`Simulator(..., churn=False)` stops the demo's background status changes for tests that need a still world.

Timings of the node actions (simulated seconds after the Batch* call): reboot goes Pending at 2 and Running at
25; replace and delete go ShuttingDown at 1 and disappear at 15; a replacement's new instance id appears at 15,
runs its lifecycle script from 18 and is Running at 55. StartClusterHealthCheck (sim/health_checks.py): the nodes
are DeepHealthCheckInProgress at once and Running (or Failure, for a node `world.dhc_failures` names) at 45, with
their results in `DeepHealthCheckResults/<operation id>`. Defaults where AWS documents none: MaxResults 100 for
the SageMaker listings, Ascending order, InstanceGroupNameContains and NameContains match case-insensitively.
"""

from tui.sim.clock import SimClock
from tui.sim.errors import SimError
from tui.sim.simulator import Simulator

__all__ = ["SimClock", "SimError", "Simulator"]
