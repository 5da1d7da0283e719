"""botocore's data files (service models, endpoints) kept in a faster format between runs.

Creating a SageMaker client parses ~4 MB of JSON (the SageMaker model, endpoints.json) into OrderedDicts and lists
~440 service directories: ~0.1 s of CPU at every start, which the headless commands and the TUI's first frame
both wait for. The same data in marshal format loads ~5× faster. Each cached file is keyed by the source file's
path, size and mtime, botocore's version and Python's, so an upgrade or an edited model is simply a cache miss;
any problem reading or writing the cache falls back to botocore's own loading. The data is plain dicts instead of
OrderedDicts: botocore only relies on their order, which dicts keep.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import JSONFileLoader, Loader

ENV_CACHE = "XDG_CACHE_HOME"


def cache_directory(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    base = env.get(ENV_CACHE) or str(Path.home() / ".cache")
    return Path(base) / "hyperpod-tui" / "botocore"


def _key(*parts: object) -> str:
    text = "\0".join(str(part) for part in (*parts, botocore.__version__, sys.version))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class MarshalCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> Any:
        try:
            with open(self.directory / f"{key}.marshal", "rb") as cached:
                return marshal.loads(cached.read())
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".tmp", delete=False) as out:
                out.write(marshal.dumps(value))
            os.replace(out.name, self.directory / f"{key}.marshal")  # atomic: a reader never sees half a file
        except (OSError, ValueError):
            with contextlib.suppress(NameError, OSError):
                os.unlink(out.name)


class CachedFileLoader(JSONFileLoader):
    """botocore's JSON(.gz) file loader, through the marshal cache."""

    def __init__(self, cache: MarshalCache) -> None:
        self._marshal_cache = cache

    def load_file(self, file_path: str) -> Any:
        for suffix, opener in ((".json", open), (".json.gz", gzip.open)):
            path = file_path + suffix
            try:
                status = os.stat(path)
            except OSError:
                continue
            key = _key("file", path, status.st_size, status.st_mtime_ns)
            data = self._marshal_cache.get(key)
            if data is None:
                with opener(path, "rb") as source:
                    data = json.loads(source.read().decode("utf-8"))
                self._marshal_cache.put(key, data)
            return data
        return None


class CachedLoader(Loader):
    """A Loader whose files, and whose list of available services, come from the marshal cache."""

    def __init__(self, cache: MarshalCache, extra_search_paths: list[str] | None = None) -> None:
        super().__init__(extra_search_paths=extra_search_paths, file_loader=CachedFileLoader(cache))
        self._marshal_cache = cache  # (botocore's Loader has its own `_cache`)

    def list_available_services(self, type_name: str) -> list[str]:
        stamps = []
        for path in self.search_paths:
            with contextlib.suppress(OSError):
                stamps.append((path, os.stat(path).st_mtime_ns))  # a service added or removed changes it
        key = _key("services", type_name, stamps)
        services = self._marshal_cache.get(key)
        if not isinstance(services, list):
            services = super().list_available_services(type_name)
            self._marshal_cache.put(key, list(services))
        return list(services)


def use_model_cache(session: Any, directory: Path | None = None) -> None:
    """Make `session` (a botocore Session) load its data files through the cache (before any client exists)."""
    search = session.get_config_variable("data_path")  # AWS_DATA_PATH, as botocore's own create_loader reads it
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search.split(os.pathsep)] if search else None
    session.register_component("data_loader", CachedLoader(MarshalCache(directory or cache_directory()), paths))
