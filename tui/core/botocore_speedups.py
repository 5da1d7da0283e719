"""Every speed-up that reaches into botocore's internals, in one module, each enabled only where it was tested.

1. The marshal model cache. Creating a SageMaker client parses ~4 MB of JSON (the SageMaker model,
   endpoints.json) into OrderedDicts and lists ~440 service directories: ~0.1 s of CPU at every start, which the
   headless commands and the TUI's first frame both wait for. The same data in marshal format loads ~5× faster.
   Each cached file is keyed by the source file's path, size and mtime, botocore's version and Python's, so an
   upgrade or an edited model is simply a cache miss; any problem reading or writing the cache falls back to
   botocore's own loading. The data is plain dicts instead of OrderedDicts: botocore only relies on their order,
   which dicts keep. It subclasses `botocore.loaders.JSONFileLoader` and `Loader`.
2. The response parser (`FastJSONParser`, `fast_timestamp`). It overrides the private `_handle_structure`,
   `_handle_list`, `_handle_json_body` and `_do_modeled_error_parse` of `botocore.parsers.JSONParser` and reads
   `ResponseParserFactory._defaults`. It also refuses a success body that is not a JSON object.

Both depend on botocore internals, so both switch on only for the botocore versions in `TESTED_BOTOCORE`
(the equivalence tests in tests/sim/test_fast_parsing.py and tests/unit/test_model_cache.py ran against them),
and `HYPERPOD_TUI_STOCK_BOTOCORE=1` switches both off. Outside the range, or switched off: stock botocore, said
once in the debug log. The fixed User-Agent in `core/aws.py` is a public `Config` option and stays on.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import botocore
import botocore.session
from botocore.loaders import JSONFileLoader, Loader
from botocore.parsers import JSONParser, ResponseParserFactory
from botocore.utils import parse_timestamp

from tui.core.bounds import ENDPOINT_KEY, MalformedResponse, strict_json

if TYPE_CHECKING:
    import boto3

log = logging.getLogger(__name__)

ENV_CACHE = "XDG_CACHE_HOME"
ENV_STOCK = "HYPERPOD_TUI_STOCK_BOTOCORE"
# [lowest, highest) botocore versions the speed-ups were tested against. CI installs the version pinned in
# constraints.txt; to extend the range, pin the new version there and run `make test` (the equivalence tests
# compare every client's answers with stock botocore's).
TESTED_BOTOCORE = ((1, 44, 0), (1, 45, 0))

_said: set[str] = set()


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def speedups_enabled(env: Mapping[str, str] = os.environ, version: str | None = None) -> bool:
    """Whether the speed-ups apply to this botocore (and are not switched off)."""
    version = version or botocore.__version__
    if env.get(ENV_STOCK, "").strip() not in ("", "0"):
        reason = f"{ENV_STOCK} is set"
    elif not TESTED_BOTOCORE[0] <= _version(version)[:3] < TESTED_BOTOCORE[1]:
        reason = f"botocore {version} is outside the tested range"
    else:
        return True
    if reason not in _said:
        _said.add(reason)
        log.debug("botocore speed-ups off (%s): stock botocore parsing and model loading", reason)
    return False


def core_session(session: boto3.Session | botocore.session.Session) -> botocore.session.Session:
    """The botocore Session itself, or the one under a boto3 Session."""
    return getattr(session, "_session", session)


# --- 1. the model cache ----------------------------------------------------------------------------------


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
    if not speedups_enabled():
        return
    search = session.get_config_variable("data_path")  # AWS_DATA_PATH, as botocore's own create_loader reads it
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search.split(os.pathsep)] if search else None
    session.register_component("data_loader", CachedLoader(MarshalCache(directory or cache_directory()), paths))


# --- 2. the response parser ------------------------------------------------------------------------------


def fast_timestamp(value: Any) -> datetime:
    """botocore's timestamp parser without its cost: the JSON protocol sends epoch numbers, which botocore turns
    into datetimes in dateutil's `tzlocal()` at ~25 µs each (40% of the CPU time of listing 10,000 nodes). The same
    instant as an aware UTC datetime costs well under a microsecond; anything else goes to botocore's parser."""
    if value.__class__ is float or value.__class__ is int:
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    parsed: datetime = parse_timestamp(value)
    return parsed


@dataclass(frozen=True, slots=True)
class _Plan:
    """How FastJSONParser parses one structure shape."""

    members: dict[str, tuple[str, Any, Any]]  # wire name → (member name, handler or None: taken as is, shape)
    wire_names: frozenset[str]
    converted: tuple[tuple[str, Any, Any], ...]  # (wire name, handler, shape) of the members that need one
    same_names: bool  # every member is sent under its own name


class FastJSONParser(JSONParser):
    """botocore's JSON response parser, made cheap for structures. The output is identical (tests compare the two).

    botocore's `_handle_structure` looks up every member's shape, wire name and handler (building the string
    `_handle_<type>`) for every member of every value, into a new dict. Here each shape gets a plan once, and a
    value whose keys are all members sent under their own names, none of them null (every ListClusterNodes item),
    is the decoded JSON object itself with only its timestamps and nested structures converted in place: it was
    made for this response alone. Parsing was half the CPU of listing 10,000 nodes. Tagged unions and document
    types keep botocore's own code. botocore makes a parser per response, so plans are shared by the class (they
    hold plain functions, not bound methods: no reference cycles for the GC to find).
    """

    _plans: ClassVar[dict[int, tuple[Any, _Plan | None]]] = {}

    def _plan(self, shape: Any) -> _Plan | None:
        cached = self._plans.get(id(shape))
        if cached is not None and cached[0] is shape:
            return cached[1]
        plan = None
        if not (shape.is_document_type or shape.is_tagged_union):
            kind = type(self)
            members = {
                member.serialization.get("name", name): (
                    name,
                    getattr(kind, f"_handle_{member.type_name}", None),
                    member,
                )
                for name, member in shape.members.items()
            }
            plan = _Plan(
                members,
                frozenset(members),
                tuple((wire, handler, member) for wire, (_, handler, member) in members.items() if handler is not None),
                all(wire == name for wire, (name, _, _) in members.items()),
            )
        self._plans[id(shape)] = (shape, plan)  # holding the shape keeps its id from being reused
        return plan

    def _handle_structure(self, shape: Any, value: Any) -> Any:
        plan = self._plan(shape) if value is not None else None
        if plan is None:
            return super()._handle_structure(shape, value)
        if plan.same_names and value.keys() <= plan.wire_names and None not in value.values():
            for wire_name, handler, member in plan.converted:
                raw = value.get(wire_name)
                if raw is not None:
                    value[wire_name] = handler(self, member, raw)
            return value
        parsed = {}
        for wire_name, raw in value.items():  # only what was sent; members not in the shape are dropped
            entry = plan.members.get(wire_name)
            if entry is not None and raw is not None:
                name, handler, member = entry
                parsed[name] = raw if handler is None else handler(self, member, raw)
        return parsed

    def _do_parse(self, response: Any, shape: Any) -> Any:
        try:
            return super()._do_parse(response, shape)
        except MalformedResponse as exc:  # name the endpoint, which `bounds.check_body` put in the response
            raise MalformedResponse(exc.detail, endpoint=response.get(ENDPOINT_KEY)) from exc

    def _handle_json_body(self, raw_body: Any, shape: Any) -> Any:
        # A success answer that is not a JSON object is an error (`bounds.MalformedResponse`), where botocore
        # makes it `{"message": body}`, which then parses as an answer without members.
        return self._parse_shape(shape, strict_json(raw_body))

    def _do_modeled_error_parse(self, response: Any, shape: Any) -> Any:
        # An error answer keeps botocore's leniency: a proxy's HTML 502 still becomes an error with its text.
        return self._parse_shape(shape, self._parse_body_as_json(response["body"]))

    def _handle_list(self, shape: Any, node: Any) -> Any:
        member = shape.member
        if member.type_name != "structure":
            return super()._handle_list(shape, node)
        handle = self._handle_structure
        return [None if item is None else handle(member, item) for item in node]


class FastParserFactory(ResponseParserFactory):
    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return FastJSONParser(**self._defaults)
        return super().create_parser(protocol_name)


def use_fast_parsing(session: boto3.Session | botocore.session.Session) -> None:
    """Clients created from `session` from now on parse JSON responses and timestamps with the fast versions."""
    if not speedups_enabled():
        return
    factory = FastParserFactory()
    factory.set_parser_defaults(timestamp_parser=fast_timestamp)
    core_session(session).register_component("response_parser_factory", factory)
