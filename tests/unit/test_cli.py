"""Flags: one-line errors that name the valid values; settings reach the app."""

import pytest

from tui.cli import build_parser, main, settings_from_args


def exit_code_and_stderr(argv, capsys):
    """main() returns 2 for bad settings; argparse raises SystemExit(2) for malformed flags. Both count."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--theme", "nope"], "hyperpod-dark"),
        (["--demo-scenario", "nope"], "scale-10k"),
        (["--refresh", "abc"], "--refresh"),
        (["--refresh", "0.1"], "between 1 and 3600"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_values_exit_2_with_one_line(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    code, err = exit_code_and_stderr(argv, capsys)
    assert code == 2
    assert err.count("\n") == 1 and fragment in err and err.startswith("hyperpod-tui: error:")


def test_bad_values_message_names_valid_values(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["--theme", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hyperpod-light" in err and "hyperpod-high-contrast" in err
    assert main(["--demo-scenario", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "demo" in err and "scale-10k" in err and "zoo" in err


def test_flags_become_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    args = build_parser().parse_args(["--demo-scenario", "zoo", "--refresh", "2", "--read-only", "--cluster", "c1"])
    settings = settings_from_args(args)
    assert (settings.demo, settings.demo_scenario, settings.refresh, settings.read_only, settings.cluster) == (
        True,
        "zoo",
        2.0,
        True,
        "c1",
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and "hyperpod-tui 0.1.0" in capsys.readouterr().out


def test_a_bad_marker_rule_stops_startup_naming_the_rule(capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[[markers]]\nname = "fsx-timeout"\npattern = "mount.lustre: ("\nkind = "failure"\n')
    code, err = exit_code_and_stderr(["--demo", "--config", str(config)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "marker rule 'fsx-timeout': invalid regex" in err and str(config) in err


def test_help_names_the_demo_scenarios(capsys):
    import pytest

    from tui.sim import Simulator

    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert f"--demo-scenario NAME simulator scenario for --demo: {', '.join(Simulator.scenarios())}" in out


def test_parsing_without_help_does_not_load_the_simulator():
    import subprocess
    import sys

    code = (
        "import sys; from tui.cli import build_parser; build_parser().parse_args([]); print('botocore' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_the_tui_with_stdout_not_a_terminal_says_to_use_a_headless_command(tmp_path):
    """Run as a user would, stdout into a pipe: one line on stderr, exit 2, nothing (no escape codes) on stdout."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "stdout is not a terminal" in lines[0]
    assert "hyperpod-tui clusters|groups|nodes" in lines[0]


def test_stderr_into_a_file_is_refused_too_as_textual_draws_on_it():
    import io

    from tui.cli import not_a_terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert not_a_terminal(Tty(), Tty()) is None
    assert "stdout is not a terminal" in (not_a_terminal(io.StringIO(), Tty()) or "")
    assert "stderr is not a terminal" in (not_a_terminal(Tty(), io.StringIO()) or "")
