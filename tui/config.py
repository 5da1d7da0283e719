"""Typed settings: flags > environment (HYPERPOD_TUI_*) > config file (XDG) > defaults.

The config file is TOML at `$XDG_CONFIG_HOME/hyperpod-tui/config.toml` (or `HYPERPOD_TUI_CONFIG`). Every key is
checked: an unknown key or a bad value is a `ConfigError` that names the file, the key and what is allowed,
never silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tui.core.wording import noun

DEFAULT_THEME = "hyperpod-dark"
MIN_REFRESH = 1.0
ENV_PREFIX = "HYPERPOD_TUI_"


class ConfigError(ValueError):
    """A bad setting; the message is one line that says where and what is allowed."""


@dataclass(frozen=True)
class Settings:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    refresh: float = 5.0  # seconds between polls; 0 turns automatic refresh off
    theme: str = DEFAULT_THEME
    read_only: bool = False
    dry_run: bool = False
    demo: bool = False
    demo_scenario: str = "demo"
    cluster: str | None = None
    ssm_plugin: str | None = None
    ssm_document: str | None = None
    events_queue: str | None = None  # SQS queue URL or name of the EventBridge stream (core/event_stream.py)
    keymap: Mapping[str, str] = field(default_factory=dict)
    markers: tuple[Mapping[str, Any], ...] = ()
    config_file: Path | None = None

    @property
    def target_label(self) -> str:
        if self.demo:
            return f"demo simulator ({self.demo_scenario})"
        return self.endpoint_url or ""


# The keys a config file (and the environment) may set, with their types.
_SCALAR_KEYS: dict[str, type] = {
    "profile": str,
    "region": str,
    "endpoint_url": str,
    "refresh": float,
    "theme": str,
    "read_only": bool,
    "dry_run": bool,
    "cluster": str,
    "ssm_plugin": str,
    "ssm_document": str,
    "events_queue": str,
}
_TABLE_KEYS = ("keymap", "markers")


def config_dir(env: Mapping[str, str] = os.environ) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hyperpod-tui"


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    explicit = env.get(ENV_PREFIX + "CONFIG")
    return Path(explicit).expanduser() if explicit else config_dir(env) / "config.toml"


def _coerce(key: str, value: Any, wanted: type, where: str) -> Any:
    if wanted is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.strip().lower() in ("1", "true", "yes", "on")
        raise ConfigError(f"{where}: {key} must be true or false (got {value!r})")
    if wanted is float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {key} must be a number of seconds (got {value!r})") from None
        if key == "refresh":
            check_refresh(number, where)
        return number
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string (got {value!r})")
    return value.strip()


def check_refresh(seconds: float, where: str = "--refresh") -> float:
    if seconds != 0 and not (MIN_REFRESH <= seconds <= 3600):
        raise ConfigError(
            f"{where}: refresh must be 0 (off) or between {MIN_REFRESH:g} and 3600 seconds (got {seconds:g})"
        )
    return seconds


def _check_keymap(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: [keymap] must be a table of binding-id = "keys"')
    keymap = {}
    for binding_id, keys in value.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f'{where}: keymap.{binding_id} must be a string of keys such as "ctrl+r" (got {keys!r})')
        keymap[str(binding_id)] = keys.strip()
    return keymap


def _check_markers(value: Any, where: str) -> tuple[dict[str, Any], ...]:
    from tui.core.markers import MarkerRuleError, merge_rules

    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"{where}: markers must be an array of tables ([[markers]] with pattern and kind)")
    rules = tuple(dict(item) for item in value)
    try:
        merge_rules(rules)  # every rule checked (keys, kind, regex) at startup, reported by its name
    except MarkerRuleError as exc:
        raise ConfigError(f"{where}: [[markers]] {exc}") from None
    return rules


def read_config_file(path: Path) -> dict[str, Any]:
    """The checked values of one config file; {} when it does not exist."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SCALAR_KEYS:
            values[key] = _coerce(key, value, _SCALAR_KEYS[key], str(path))
        elif key == "keymap":
            values[key] = _check_keymap(value, str(path))
        elif key == "markers":
            values[key] = _check_markers(value, str(path))
        else:
            allowed = ", ".join(sorted([*_SCALAR_KEYS, *_TABLE_KEYS]))
            raise ConfigError(f"{path}: unknown key {key!r} (allowed: {allowed})")
    return values


def read_environment(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, wanted in _SCALAR_KEYS.items():
        raw = env.get(ENV_PREFIX + key.upper())
        if raw is not None and raw != "":
            values[key] = _coerce(key, raw, wanted, f"${ENV_PREFIX}{key.upper()}")
    return values


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] = os.environ,
    config_path: Path | None = None,
) -> Settings:
    """Merge the sources; `flags` holds only what the user passed (None values are ignored)."""
    path = config_path or default_config_path(env)
    merged: dict[str, Any] = {}
    merged.update(read_config_file(path))
    merged.update(read_environment(env))
    merged.update({key: value for key, value in (flags or {}).items() if value is not None})
    known = {f.name for f in fields(Settings)}
    unknown = set(merged) - known
    if unknown:
        raise ConfigError(f"unknown {noun(len(unknown), 'setting')}: {', '.join(sorted(unknown))}")
    if "refresh" in merged:
        check_refresh(float(merged["refresh"]))
    return replace(Settings(config_file=path), **merged)
