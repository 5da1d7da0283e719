"""botocore's data files through the marshal cache: same data, reloaded when the source changes, robust to a bad
cache, and a client built through it is the same as botocore's own."""

from __future__ import annotations

import gzip
import json
import os

import botocore.session
import pytest

from tui.core import botocore_speedups as model_cache
from tui.core.botocore_speedups import CachedFileLoader, MarshalCache, use_model_cache


@pytest.fixture
def loader(tmp_path):
    return CachedFileLoader(MarshalCache(tmp_path / "cache"))


def test_a_file_is_cached_and_then_read_from_the_cache(tmp_path, loader, monkeypatch):
    (tmp_path / "model.json").write_text(json.dumps({"b": [1, 2], "a": {"x": None}}))
    assert loader.load_file(str(tmp_path / "model")) == {"b": [1, 2], "a": {"x": None}}
    assert len(list((tmp_path / "cache").glob("*.marshal"))) == 1
    monkeypatch.setattr(model_cache.json, "loads", lambda *_: pytest.fail("parsed JSON instead of the cache"))
    data = loader.load_file(str(tmp_path / "model"))
    assert data == {"b": [1, 2], "a": {"x": None}} and list(data) == ["b", "a"]  # the order is kept


def test_a_changed_source_is_a_cache_miss(tmp_path, loader):
    source = tmp_path / "model.json"
    source.write_text(json.dumps({"v": 1}))
    assert loader.load_file(str(tmp_path / "model")) == {"v": 1}
    source.write_text(json.dumps({"v": 22}))
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    assert loader.load_file(str(tmp_path / "model")) == {"v": 22}


def test_gzipped_files_missing_files_and_a_corrupt_cache(tmp_path, loader):
    with gzip.open(tmp_path / "rules.json.gz", "wb") as out:
        out.write(json.dumps({"rules": ["r"]}).encode())
    assert loader.load_file(str(tmp_path / "rules")) == {"rules": ["r"]}
    assert loader.load_file(str(tmp_path / "absent")) is None
    for cached in (tmp_path / "cache").glob("*.marshal"):
        cached.write_bytes(b"\x00garbage")
    assert loader.load_file(str(tmp_path / "rules")) == {"rules": ["r"]}


def test_an_unwritable_cache_only_costs_the_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    loader = CachedFileLoader(MarshalCache(blocker / "cache"))
    (tmp_path / "m.json").write_text("{}")
    assert loader.load_file(str(tmp_path / "m")) == {}


def test_a_client_through_the_cache_is_botocores_client(tmp_path):
    def client(cached: bool):
        session = botocore.session.Session()
        if cached:
            use_model_cache(session, tmp_path / "cache")
        return session.create_client(
            "sagemaker", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x"
        )

    stock, first, second = client(False), client(True), client(True)  # second: every file from the cache
    for ours in (first, second):
        assert ours.meta.service_model.operation_names == stock.meta.service_model.operation_names
        shape = ours.meta.service_model.operation_model("ListClusterNodes").output_shape
        assert list(shape.members) == list(
            stock.meta.service_model.operation_model("ListClusterNodes").output_shape.members
        )
        assert ours.meta.endpoint_url == stock.meta.endpoint_url
        assert ours.can_paginate("list_cluster_nodes")
    services = botocore.session.Session().get_component("data_loader").list_available_services("service-2")
    session = botocore.session.Session()
    use_model_cache(session, tmp_path / "cache")
    assert session.get_component("data_loader").list_available_services("service-2") == services
