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
