import pytest

from tui.config import ConfigError, load_settings


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_precedence_flags_over_env_over_file(tmp_path):
    path = write(tmp_path, 'refresh = 10\ntheme = "hyperpod-light"\nprofile = "file"\n[keymap]\nrefresh = "ctrl+r"\n')
    env = {"HYPERPOD_TUI_PROFILE": "env", "HYPERPOD_TUI_READ_ONLY": "yes"}
    settings = load_settings({"profile": "flag", "region": None}, env=env, config_path=path)
    assert (settings.profile, settings.refresh, settings.theme, settings.read_only) == (
        "flag",
        10.0,
        "hyperpod-light",
        True,
    )
    assert settings.keymap == {"refresh": "ctrl+r"}


def test_missing_file_means_defaults(tmp_path):
    settings = load_settings({}, env={}, config_path=tmp_path / "absent.toml")
    assert settings.refresh == 5.0 and settings.theme == "hyperpod-dark"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("refrsh = 5\n", "unknown key 'refrsh'"),
        ("refresh = 0.2\n", "between 1 and 3600"),
        ('refresh = "soon"\n', "must be a number"),
        ('read_only = "maybe"\n', "true or false"),
        ("[keymap]\nrefresh = 5\n", "keymap.refresh"),
        ("this is not toml", "not valid TOML"),
        ("markers = 3\n", "array of tables"),
        (
            '[[markers]]\nname = "fsx"\npattern = "mount.lustre: ("\nkind = "failure"\n',
            "marker rule 'fsx': invalid regex",
        ),
        ('[[markers]]\nname = "fsx"\npattern = "lustre"\nkind = "fatal"\n', "marker rule 'fsx': kind must be one of"),
        (
            '[[markers]]\npattern = "x"\nkind = "warning"\ncolour = "red"\n',
            "marker rule 'user-1': unknown key colour",
        ),
        ('[[markers]]\nname = "nopattern"\nkind = "warning"\n', "marker rule 'nopattern': pattern must be"),
    ],
)
def test_bad_config_is_reported_by_name(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as error:
        load_settings({}, env={}, config_path=write(tmp_path, text))
    assert fragment in str(error.value) and "config.toml" in str(error.value)


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="HYPERPOD_TUI_REFRESH"):
        load_settings({}, env={"HYPERPOD_TUI_REFRESH": "fast"}, config_path=tmp_path / "none.toml")


def test_marker_rules_from_the_file_are_kept_in_order(tmp_path):
    text = (
        '[[markers]]\nname = "fsx-timeout"\npattern = "mount.lustre: .* failed"\nkind = "failure"\nstage = "fsx"\n'
        '[[markers]]\npattern = "^NCCL WARN"\nkind = "warning"\n'
    )
    settings = load_settings({}, env={}, config_path=write(tmp_path, text))
    assert [rule.get("name") for rule in settings.markers] == ["fsx-timeout", None]
    assert settings.markers[0]["stage"] == "fsx"


def test_columns_table_is_checked_and_saved_without_losing_other_settings(tmp_path):
    from tui.config import ConfigError, read_config_file, save_columns

    path = tmp_path / "config.toml"
    path.write_text('refresh = 10\n\n[columns]\nnodes = ["ip"]\n\n[keymap]\nrefresh = "ctrl+r"\n')
    assert read_config_file(path)["columns"] == {"nodes": ("ip",)}
    save_columns(path, "groups", ["name", "count"])
    saved = read_config_file(path)
    assert saved["refresh"] == 10 and saved["keymap"] == {"refresh": "ctrl+r"}
    assert saved["columns"] == {"nodes": ("ip",), "groups": ("name", "count")}
    assert not [p for p in tmp_path.iterdir() if p.name != "config.toml"]  # no temporary file left behind
    path.write_text('[columns]\nnodes = ["foo"]\n')
    with pytest.raises(ConfigError, match=r"no column 'foo' \(columns: instance_id"):
        read_config_file(path)
    path.write_text('[columns]\npods = ["name"]\n')
    with pytest.raises(ConfigError, match="columns.pods is not a table"):
        read_config_file(path)


def test_save_columns_refuses_to_touch_a_file_it_cannot_rewrite_exactly(tmp_path, monkeypatch):
    from tui.config import ConfigError, save_columns

    path = tmp_path / "config.toml"
    original = 'columns.nodes = ["ip"]\n'  # a dotted key, not a [columns] header: not rewritten blindly
    path.write_text(original)
    with pytest.raises(ConfigError):
        save_columns(path, "nodes", ["status"])
    assert path.read_text() == original
    path.write_text("")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tui.config.os.replace", full_disk)  # (chmod stops no one when the tests run as root)
    with pytest.raises(ConfigError, match="cannot write the config file .No space left"):
        save_columns(path, "nodes", ["status"])
    assert path.read_text() == ""
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # the temporary file is removed
