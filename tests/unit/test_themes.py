from pathlib import Path

import pytest

from tui.themes import APP_VARIABLES, ThemeError, bundled_theme_dir, load_themes, theme_from_mapping


def test_bundled_themes_load_and_define_every_app_variable():
    loaded = load_themes([bundled_theme_dir()])
    assert loaded.errors == ()
    assert {"hyperpod-dark", "hyperpod-light", "hyperpod-high-contrast"} <= set(loaded.themes)
    assert loaded.themes["hyperpod-light"].dark is False
    for theme in loaded.themes.values():
        assert set(APP_VARIABLES) <= set(theme.variables)


def test_a_bad_file_is_skipped_with_its_reason(tmp_path: Path):
    good = (bundled_theme_dir() / "hyperpod-dark.toml").read_text().replace('"hyperpod-dark"', '"mine"')
    (tmp_path / "mine.toml").write_text(good)
    (tmp_path / "broken.toml").write_text(
        good.replace('"mine"', '"broken"').replace('primary = "#4C9BE8"', 'primary = "not-a-colour"')
    )
    (tmp_path / "garbage.toml").write_text("[[[")
    loaded = load_themes([tmp_path])
    assert set(loaded.themes) == {"mine"}
    assert any(e.startswith("broken.toml") and "colors.primary" in e for e in loaded.errors)
    assert any(e.startswith("garbage.toml") and "TOML" in e for e in loaded.errors)


def test_missing_app_variables_are_named():
    with pytest.raises(ThemeError, match="status-ok"):
        theme_from_mapping({"name": "x", "colors": {"primary": "#000000"}, "variables": {}}, "x")


def test_unknown_keys_are_refused():
    with pytest.raises(ThemeError, match="colours"):
        theme_from_mapping({"name": "x", "colours": {}}, "x")
