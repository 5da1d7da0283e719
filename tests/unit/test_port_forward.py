"""Port forward requests: `LOCAL:REMOTE[@HOST]`, the document and parameters as `aws ssm start-session
--parameters` gives them, bad ports and hosts refused with a sentence; the demo `aws` stand-in's --parameters."""

from __future__ import annotations

import pytest

from tui.core.port_forward import (
    PORT_DOCUMENT,
    REMOTE_HOST_DOCUMENT,
    ForwardError,
    ForwardSpec,
    check_host,
    parse_forward,
)
from tui.sim.aws_cli import parse_parameters


def test_local_remote_and_host_parse():
    assert parse_forward("8080:3000") == (8080, 3000, "")
    assert parse_forward("0:8265@localhost") == (0, 8265, "localhost")
    assert parse_forward(" 2222:22@10.1.2.3 ") == (2222, 22, "10.1.2.3")


@pytest.mark.parametrize("text", ["3000", "a:b", "1:70000", "1:0", "8080:3000@", "8080:3000@bad host", "-1:22"])
def test_a_bad_forward_is_refused_with_a_sentence(text):
    with pytest.raises(ForwardError):
        parse_forward(text)


def test_hosts_with_shell_or_control_characters_are_refused():
    for host in ("a;b", "a b", "$(x)", "x\ny"):
        with pytest.raises(ForwardError):
            check_host(host)


def test_documents_and_parameters_as_the_cli_passes_them():
    node = ForwardSpec("c", "i-0123456789abcdef0", "sagemaker-cluster:x_g-i-0123456789abcdef0", 3000, 8080)
    assert node.document == PORT_DOCUMENT
    assert node.parameters == {"portNumber": ["3000"], "localPortNumber": ["8080"]}
    any_port = ForwardSpec("c", "i-0123456789abcdef0", "t", 22)
    assert any_port.parameters == {"portNumber": ["22"]}  # no localPortNumber: the plugin listens on port 0
    remote = ForwardSpec("c", "i-0123456789abcdef0", "t", 8265, 0, "10.1.2.3")
    assert remote.document == REMOTE_HOST_DOCUMENT
    assert remote.parameters == {"host": ["10.1.2.3"], "portNumber": ["8265"]}
    assert remote.remote == "10.1.2.3:8265 via i-0123456789abcdef0"


def test_the_demo_aws_reads_parameters_in_both_cli_forms():
    assert parse_parameters("portNumber=22") == {"portNumber": ["22"]}
    assert parse_parameters("host=h,portNumber=1,localPortNumber=2") == {
        "host": ["h"],
        "portNumber": ["1"],
        "localPortNumber": ["2"],
    }
    assert parse_parameters('{"portNumber":["22"]}') == {"portNumber": ["22"]}
    with pytest.raises(ValueError):
        parse_parameters("nonsense")
