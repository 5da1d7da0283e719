"""Demo actions go to the demo's own journal, never the user's audit trail; `hyperpod-tui journal --demo` reads it."""

from __future__ import annotations

import json

from tests.app.shell_support import main_screen
from tests.harness import make_app, settle
from tui import cli
from tui.core.journal import default_journal_path

SLURM = "llm-pretrain-slurm"


async def test_a_demo_reboot_is_journalled_in_the_demo_journal_only(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        failed = app.simulator.landmarks["failed_node"]
        main.jump_to_node(failed)
        await pilot.pause()
        await pilot.press("R", "y")
        await settle(pilot)
    real, demo = default_journal_path(), default_journal_path(demo=True)
    assert demo == tmp_path / "hyperpod-tui" / "demo-actions.jsonl"
    assert not real.exists()
    lines = [json.loads(line) for line in demo.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["intent", "result"]
    assert lines[0]["node_ids"] == [failed] and lines[0].get("demo") is True

    capsys.readouterr()
    assert cli.main(["journal", "--demo", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [attempt["intent"]["node_ids"] for attempt in report["attempts"]] == [[failed]]
    assert cli.main(["--demo", "journal", "--json"]) == 0  # the flag before the command works too
    assert len(json.loads(capsys.readouterr().out)["attempts"]) == 1
    assert cli.main(["journal", "--json"]) == 0  # the real journal: nothing
    assert json.loads(capsys.readouterr().out)["attempts"] == []
