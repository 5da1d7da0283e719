"""The AWS facade's factories: the real one (botocore loads in the thread that first calls it), the demo one
(a real boto3 session answered in-process by the simulator), and `EarlyApi`, which builds the first facade in a
thread of its own while the UI starts. No Textual here: the headless commands use these too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tui.config import Settings

DEMO_REGION = "us-west-2"


def make_api_factory(settings: Settings):
    """A callable that creates the AWS facade (in a worker thread), and the simulator when --demo."""
    if is_fleet(settings):
        return make_fleet_factory(settings, fleet_members(settings))
    if not settings.demo:

        def connect():
            from tui.core.aws import HyperPodApi  # botocore loads here, in the thread that needs it

            return HyperPodApi.connect(
                profile=settings.profile, region=settings.region, endpoint_url=settings.endpoint_url
            )

        return connect, None
    from tui.sim import SimClock, Simulator

    region = settings.region or DEMO_REGION  # the flag only: the user's AWS environment never reaches the demo
    simulator = Simulator(scenario=settings.demo_scenario, clock=SimClock(), region=region)
    return (lambda: demo_api(simulator, region)), simulator


def is_fleet(settings: Settings) -> bool:
    """More than one profile or region (a comma list, or [[fleet]] entries): checked without importing the fleet
    code, so that the single-region start-up does no more work than before."""
    if not (settings.fleet or "," in (settings.profile or "") or "," in (settings.region or "")):
        return False
    return len(fleet_members(settings)) > 1


def fleet_members(settings: Settings):
    from tui.core.fleet import members_of

    return members_of(settings.profile, settings.region, settings.fleet)


def make_fleet_factory(settings: Settings, members):
    """Many profiles × regions (tui/core/fleet.py): one facade per member, one botocore Session per profile, made
    one after the other in the calling (worker) thread. Under --demo each region is its own simulated world (its
    own seed), answering on its own boto3 Session; the first region's simulator is the one returned."""
    from tui.core.fleet import FleetApi

    if settings.demo:
        from tui.sim import SimClock, Simulator

        clock = SimClock()
        simulators = {
            member: Simulator(
                scenario=settings.demo_scenario,
                clock=clock,
                seed=7 + index,
                region=member.region or DEMO_REGION,
            )
            for index, member in enumerate(members)
        }

        return DemoFleet(simulators), next(iter(simulators.values()))

    def connect():
        import botocore.session

        from tui.core.aws import HyperPodApi
        from tui.core.botocore_speedups import use_model_cache
        from tui.core.environment import aws_region
        from tui.core.fleet import UnusableMember

        sessions: dict[str | None, botocore.session.Session | Exception] = {}
        apis: dict[Any, Any] = {}
        for member in members:
            core = sessions.get(member.profile)
            if core is None:  # credentials (SSO included) resolve once per profile, on its own Session
                try:
                    core = botocore.session.Session(profile=member.profile)
                    use_model_cache(core)
                    core.get_scoped_config()  # an unknown profile raises here
                except Exception as exc:  # noqa: BLE001 - that profile's members fail alone, saying why
                    core = exc
                sessions[member.profile] = core
            if isinstance(core, Exception):
                apis[member] = UnusableMember(core, member.profile)
                continue
            region = member.region or aws_region(None) or core.get_config_variable("region")
            apis[member] = HyperPodApi(core, profile=member.profile, endpoint_url=settings.endpoint_url, region=region)
        return FleetApi(apis)

    return connect, None


def demo_factory(simulators: dict[Any, Any]):
    """(factory, first simulator) over these per-member worlds: a fleet when several, else one plain facade."""
    first_member, first = next(iter(simulators.items()))
    if len(simulators) > 1:
        return DemoFleet(simulators), first
    region = first_member.region or DEMO_REGION
    return (lambda: demo_api(first, region)), first


class DemoFleet:
    """The --demo fleet's factory: one simulated world per member (`simulators`, for tests and the app)."""

    def __init__(self, simulators: dict[Any, Any]) -> None:
        self.simulators = simulators

    def __call__(self) -> Any:
        from tui.core.fleet import FleetApi

        return FleetApi({m: demo_api(sim, m.region or DEMO_REGION) for m, sim in self.simulators.items()})


class EarlyApi:
    """An API factory whose first result is made in a thread started at once, so that importing botocore and
    creating the SageMaker client (~0.4 s) overlap the UI's own start-up instead of following it. The first call
    waits for that thread and returns its facade (or raises what it raised); later calls build a fresh one."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self._thread: threading.Thread | None = threading.Thread(
            target=self._build, name="hyperpod-early-api", daemon=True
        )
        self._thread.start()

    def _build(self) -> None:
        try:
            api = self._factory()
            api.client("sagemaker")
            self._outcome = (api, None)
        except Exception as exc:  # noqa: BLE001 - handed to the first caller, who reports it like any other failure
            self._outcome = (None, exc)

    def __call__(self) -> Any:
        thread, self._thread = self._thread, None
        if thread is None:
            return self._factory()
        thread.join()
        (api, error), self._outcome = self._outcome, (None, None)
        if error is not None:
            raise error
        return api


def demo_api(simulator: Any, region: str = DEMO_REGION):
    """A real boto3 session, answered in-process by the simulator; the user's AWS config cannot leak in."""
    import os

    import boto3
    import botocore.session

    from tui.core.aws import HyperPodApi

    # No profile from AWS_PROFILE, no ~/.aws files: a broken or absent AWS setup must not break the demo.
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    session = boto3.Session(
        botocore_session=core, aws_access_key_id="DEMO", aws_secret_access_key="DEMO", region_name=region
    )
    simulator.install(session)
    return HyperPodApi(session)


def demo_kubeconfig(simulator: Any) -> str:
    """The demo's Kubernetes: the simulator's API stand-in (tui/sim/kube.py) for its EKS clusters, started once per
    simulator, and a kubeconfig naming it in a private temporary directory (never the user's ~/.kube/config)."""
    import tempfile
    from pathlib import Path

    from tui.sim.kube import KubeStandIn

    existing = getattr(simulator, "kube_stand_in", None)
    if existing is None:
        existing = KubeStandIn(simulator.world, simulator.clock.now)
        existing.start()
        existing.kubeconfig = existing.write_kubeconfig(
            Path(tempfile.mkdtemp(prefix="hyperpod-tui-demo-kube-")) / "kubeconfig"
        )
        simulator.kube_stand_in = existing
    return str(existing.kubeconfig)
