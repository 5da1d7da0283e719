"""A simulated Amazon SageMaker HyperPod control plane speaking the real AWS JSON protocol.

    from tui.sim import Simulator, SimClock, SimError
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=1_790_000_000), seed=7)
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-west-2")
    sim.install(session)              # clients created from `session` from now on are answered in-process
    session.client("sagemaker").list_clusters()

or out of process: `python -m tui.sim serve --port 0` (see `python -m tui.sim --help`).

Timings of the node actions (simulated seconds after the Batch* call): reboot goes Pending at 2 and Running at
25; replace and delete go ShuttingDown at 1 and disappear at 15; a replacement's new instance id appears at 15,
runs its lifecycle script from 18 and is Running at 55. Defaults where AWS documents none: MaxResults 100 for
the SageMaker listings, Ascending order, InstanceGroupNameContains and NameContains match case-insensitively.
"""

from tui.sim.clock import SimClock
from tui.sim.errors import SimError
from tui.sim.simulator import Simulator

__all__ = ["SimClock", "SimError", "Simulator"]
