"""The `:` commands' parser and completion (tui/core/command_line.py), without Textual."""

from __future__ import annotations

from tui.core.command_line import COMMANDS, Command, Parsed, Refusal, by_name, complete, parse

CLUSTERS = ["llm-pretrain-slurm", "llm-eks", "vision-dev"]
THEMES = ["hyperpod-dark", "hyperpod-light", "textual-dark"]


def candidates(kind: str) -> list[str]:
    return {"cluster": CLUSTERS, "theme": THEMES}.get(kind, [])


def test_commands_and_aliases_parse_to_their_action_with_the_argument_as_a_value():
    nodes = parse(":nodes vision-dev", candidates)
    assert isinstance(nodes, Parsed) and nodes.action == ("", "show_nodes", ("vision-dev",))
    assert parse("no", candidates) == Parsed(nodes.command, None)
    clusters = parse("cl", candidates)
    assert isinstance(clusters, Parsed) and clusters.action == ("", "show_pane", ("clusters",))
    theme = parse("theme HYPERPOD-LIGHT", candidates)
    assert isinstance(theme, Parsed) and theme.action == ("app", "use_theme", ("hyperpod-light",))
    quit_ = parse("quit", candidates)
    assert isinstance(quit_, Parsed) and quit_.action == ("app", "quit", ())


def test_refusals_name_the_problem_in_one_line():
    assert parse("bogus", candidates) == Refusal(
        'unknown command "bogus" (commands: ' + ", ".join(c.name for c in COMMANDS) + ")"
    )
    assert parse("nodes nope", candidates) == Refusal(
        'no cluster "nope" (clusters: llm-pretrain-slurm, llm-eks, vision-dev)'
    )
    assert parse("clusters x", candidates) == Refusal(':clusters takes no argument (got "x")')
    assert parse("theme", candidates).message.startswith("usage: :theme NAME (themes: hyperpod-dark")  # type: ignore[union-attr]
    later = (*COMMANDS, Command("later", "Something still to come"))
    assert parse("later", candidates, later) == Refusal(":later is not available yet")
    assert isinstance(parse("triage", candidates), Parsed)  # wired: the triage view (screens/triage.py)
    long = parse("x" * 500 + "\x1b[2J", candidates)
    assert isinstance(long, Refusal) and "\x1b" not in long.message and len(long.message) < 300


def test_an_entry_with_an_action_is_all_a_new_command_needs():
    table = (*COMMANDS, Command("later", "Something still to come", action="show_later"))
    parsed = parse("later", candidates, table)
    assert isinstance(parsed, Parsed) and parsed.action == ("", "show_later", ())
    assert parse("pf", candidates) == Parsed(by_name()["pf"], None)  # wired: the port forwards (screens/forwards.py)


def test_tab_completes_the_command_then_the_argument():
    assert complete("no", candidates).text == "nodes "
    assert complete(":th", candidates).text == "theme "
    assert complete("nodes ll", candidates) == complete("nodes ll", candidates)
    both = complete("nodes ll", candidates)
    assert both.text == "nodes llm-" and both.options == ("llm-eks", "llm-pretrain-slurm")
    assert complete("nodes llm-p", candidates).text == "nodes llm-pretrain-slurm"
    assert complete("nodes VIS", candidates).text == "nodes vision-dev"
    assert complete("clusters x", candidates).options == ()
    assert complete("zzz", candidates).options == ()
