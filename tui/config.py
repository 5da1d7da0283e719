"""Typed settings: flags > environment (HYPERPOD_TUI_*) > config file (XDG) > defaults.

The config file is TOML at `$XDG_CONFIG_HOME/hyperpod-tui/config.toml` (or `HYPERPOD_TUI_CONFIG`). Every key is
checked: an unknown key or a bad value is a `ConfigError` that names the file, the key and what is allowed,
never silently ignored.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
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
    run_max_sessions: float = 16  # `run` (x, :run): SSM sessions at once (core/run.py), 1-64
    slurm_refresh: float = 30.0  # seconds between sinfo polls of a Slurm cluster's controller; 0: on request only
    events_queue: str | None = None  # SQS queue URL or name of the EventBridge stream (core/event_stream.py)
    kube: bool = True  # EKS clusters' Kubernetes view (the K8S column, K); --no-kube turns it off
    kube_context: str | None = None  # the kubeconfig context for EKS clusters' K8S column (core/kube.py)
    kubeconfig: str | None = None  # the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
    keymap: Mapping[str, str] = field(default_factory=dict)
    markers: tuple[Mapping[str, Any], ...] = ()
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table id → the columns chosen
    fleet: tuple[Mapping[str, str], ...] = ()  # [[fleet]] entries: {profile?, region?} (tui/core/fleet.py)
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
    "run_max_sessions": float,
    "slurm_refresh": float,
    "kube": bool,
    "kube_context": str,
    "kubeconfig": str,
}
_TABLE_KEYS = ("keymap", "markers", "columns", "fleet")


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
        if key == "run_max_sessions" and not (1 <= number <= 64 and number == int(number)):
            raise ConfigError(f"{where}: run_max_sessions must be a whole number from 1 to 64 (got {value!r})")
        if key == "slurm_refresh" and not (number == 0 or 5 <= number <= 3600):
            raise ConfigError(
                f"{where}: slurm_refresh must be 0 (on request only) or 5 to 3600 seconds (got {value!r})"
            )
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


def table_columns() -> dict[str, tuple[str, ...]]:
    """Each table's id and the keys of its columns: what a [columns] entry may name."""
    from tui.core.tables import CLUSTER_COLUMNS, GROUP_COLUMNS, NODE_COLUMNS

    return {
        name: tuple(column.key for column in columns)
        for name, columns in (("clusters", CLUSTER_COLUMNS), ("groups", GROUP_COLUMNS), ("nodes", NODE_COLUMNS))
    }


def _check_columns(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: [columns] must be a table of table = ["column", …] (e.g. nodes = ["ip"])')
    known = table_columns()
    chosen = {}
    for table, keys in value.items():
        if table not in known:
            raise ConfigError(f"{where}: columns.{table} is not a table (tables: {', '.join(known)})")
        if not isinstance(keys, list) or not keys or not all(isinstance(key, str) for key in keys):
            raise ConfigError(f"{where}: columns.{table} must be a non-empty array of column names (got {keys!r})")
        unknown = [key for key in keys if key not in known[table]]
        if unknown:
            raise ConfigError(
                f"{where}: columns.{table}: no column {unknown[0]!r} (columns: {', '.join(known[table])})"
            )
        chosen[table] = tuple(keys)
    return chosen


def _columns_section(chosen: Mapping[str, Sequence[str]]) -> str:
    lines = ["[columns]  # the column chooser (c) writes this table"]
    for table, keys in chosen.items():
        quoted = ", ".join(f'"{key}"' for key in keys)  # column keys are identifiers: nothing to escape
        lines.append(f"{table} = [{quoted}]")
    return "\n".join(lines) + "\n"


def save_columns(path: Path, table: str, keys: Sequence[str]) -> None:
    """Write `table`'s chosen columns into the config file's [columns] table, atomically (a temporary file in the
    same directory, then a rename), keeping every other setting. The file is parsed before and after: when the
    rewrite would change anything else (or the file cannot be parsed), nothing is written and ConfigError says
    why; an OSError (read-only home, a full disk) is raised as ConfigError too."""
    try:
        old_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        old = tomllib.loads(old_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML, so it is left as it is ({exc})") from None
    chosen = dict(_check_columns(old.get("columns", {}), str(path)))
    chosen[table] = tuple(keys)
    _check_columns({name: list(value) for name, value in chosen.items()}, "the column chooser")
    # Drop the old [columns] table (its header to the next table header), then append the new one.
    kept: list[str] = []
    inside = False
    for line in old_text.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            inside = header.split("#", 1)[0].strip() == "[columns]"
        if not inside:
            kept.append(line)
    body = "".join(kept)
    if body and not body.endswith("\n"):
        body += "\n"
    new_text = body + ("\n" if body.strip() else "") + _columns_section(chosen)
    try:
        new = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        new = None
    expected = {**old, "columns": {name: list(value) for name, value in chosen.items()}}
    if new != expected:
        raise ConfigError(f"{path}: the [columns] table cannot be rewritten without touching other settings")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".config.", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(new_text)
                file.flush()
                os.fsync(file.fileno())
            if path.exists():
                os.chmod(temporary, path.stat().st_mode & 0o777)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the config file ({exc.strerror or exc})") from None


def _check_fleet(value: Any, where: str) -> tuple[dict[str, str], ...]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"{where}: fleet must be an array of tables ([[fleet]] with profile and/or region)")
    entries = []
    for index, item in enumerate(value, 1):
        unknown = set(item) - {"profile", "region"}
        if unknown or not item:
            raise ConfigError(f"{where}: [[fleet]] entry {index} takes profile and/or region (got {sorted(item)})")
        entries.append({key: _coerce(f"fleet.{key}", item[key], str, where) for key in item})
    return tuple(entries)


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
        elif key == "columns":
            values[key] = _check_columns(value, str(path))
        elif key == "fleet":
            values[key] = _check_fleet(value, str(path))
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
