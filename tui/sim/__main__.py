"""`python -m tui.sim serve|scenarios|aws`: run the simulated control plane as an HTTP endpoint; `aws ssm
start-session …` is the demo's stand-in for the AWS CLI (tui/sim/aws_cli.py)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from tui.sim.clock import SimClock
from tui.sim.server import SimServer
from tui.sim.simulator import Simulator
from tui.sim.validation import input_shape


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tui.sim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="answer SageMaker, CloudWatch Logs and SSM requests over HTTP")
    serve.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="sleep this long before every answer")
    serve.add_argument("--scenario", default="demo", choices=Simulator.scenarios())
    serve.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--region", default="us-west-2")
    serve.add_argument("--account-id", default="123456789012")
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")
    commands.add_parser("scenarios", help="list the scenarios")
    commands.add_parser("aws", help="aws ssm start-session …: the demo's stand-in for the AWS CLI (tui/sim/aws_cli.py)")
    return parser


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    simulator = Simulator(
        args.scenario, clock=SimClock(speed=args.speed), seed=args.seed, region=args.region, account_id=args.account_id
    )
    simulator.faults.latency_ms = args.latency_ms
    # Load botocore's service models now, not during the first (timed) request.
    for service, operation in simulator.registry.operations():
        input_shape(service, operation)
    server = SimServer(simulator, args.host, args.port, verbose=args.verbose)
    stop = threading.Event()

    def request_stop(_signum, _frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    worker = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    worker.start()
    print(f"listening on {server.url}", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["aws"]:
        from tui.sim import aws_cli

        return aws_cli.main(words[1:])
    args = _parser().parse_args(words)
    if args.command == "scenarios":
        for name in Simulator.scenarios():
            print(name)
        return 0
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
