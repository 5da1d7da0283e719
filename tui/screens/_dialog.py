"""What the two action dialogs (the confirmation and the results) share: the title and the table's height."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.screen import ModalScreen
from textual.widget import Widget

from tui.core.actions import ActionPlan


def plan_title(plan: ActionPlan) -> Text:
    """The dialog's border title, as plain text (a border title given a `str` parses it as markup)."""
    count = len(plan.nodes)
    title = f"{plan.kind.verb} {count} node{'s' if count != 1 else ''} · {plan.kind.operation}"
    if plan.refused:
        return Text(f"REFUSED · {title}")
    return Text(f"DRY RUN · {title}" if plan.dry_run else title)


def fit_table(
    screen: ModalScreen,
    dialog: Widget,
    table: Widget,
    limit: int,
    share: float = 0.94,
    below: Sequence[Widget] = (),
) -> None:
    """Give `table` the rows the screen has left after everything else in `dialog`, at most `limit` and at
    least 4, so the buttons stay on screen in a small terminal (CSS alone cannot shrink just the table).
    The widgets `below` it (prose) are not counted: they may scroll out of the dialog."""
    available = int(screen.size.height * share)
    chrome = dialog.outer_size.height - dialog.size.height
    others = sum(
        child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom
        for child in dialog.children
        if child is not table and child.display and child not in below
    )
    margins = table.styles.margin.top + table.styles.margin.bottom
    rows = max(4, min(limit, available - chrome - others - margins))
    if table.styles.max_height is None or table.styles.max_height.value != rows:
        table.styles.max_height = rows
