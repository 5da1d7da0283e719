"""The footer's choice of hints (tui/widgets/key_footer.fitted) and the header's short stale reasons."""

from __future__ import annotations

from textual.binding import Binding

from tui.core.errors import LABEL_CELLS, Problem
from tui.widgets.key_footer import fitted, hint_width


def hints(*ids: str) -> list[tuple[Binding, int]]:
    bindings = [Binding(name[0], name, name.title(), id=name) for name in ids]
    return [(binding, hint_width(binding.key, binding.description)) for binding in bindings]


def test_everything_fits_in_a_wide_footer():
    row = hints("reboot", "sort-next", "quit", "help")
    assert [b.id for b in fitted(row, 200)] == ["reboot", "sort-next", "quit", "help"]


def test_the_lowest_ranked_go_first_and_help_stays():
    row = hints("reboot", "replace", "sort-next", "refresh", "quit", "help")
    width = sum(w for _, w in row) - 1
    assert [b.id for b in fitted(row, width)] == ["reboot", "replace", "sort-next", "refresh", "help"]
    kept = [b.id for b in fitted(row, hint_width("?", "Help") + hint_width("r", "Reboot"))]
    assert kept == ["reboot", "help"]
    assert [b.id for b in fitted(row, 1)] == ["help"]


def test_stale_labels_are_short():
    problems = [
        Problem("credentials", "NoCredentialsError", "No AWS credentials found."),
        Problem("credentials", "ExpiredToken", "The AWS credentials have expired."),
        Problem("throttled", "ThrottlingException", "AWS is throttling requests."),
        Problem("unknown", "SomeVeryLongErrorCodeFromAService", "?"),
    ]
    labels = [problem.label for problem in problems]
    assert labels[:3] == ["no credentials", "expired token", "throttled"]
    assert all(0 < len(label) <= LABEL_CELLS for label in labels)
