"""The fleet's members (flags × config entries), cluster keys, and the PROFILE/REGION columns."""

from __future__ import annotations

import pytest

from tui.config import ConfigError, load_settings
from tui.core.fleet import Member, fleet_columns, is_fleet, members_of, qualify, real_name
from tui.core.tables import cluster_columns


def test_comma_lists_make_every_profile_times_region_once():
    members = members_of("p, q", "us-west-2,us-east-1,us-west-2")
    assert members == (
        Member("p", "us-west-2"),
        Member("p", "us-east-1"),
        Member("q", "us-west-2"),
        Member("q", "us-east-1"),
    )
    assert is_fleet(members) and fleet_columns(members) == (True, True)


def test_one_profile_and_region_is_no_fleet():
    assert members_of(None, None) == (Member(None, None),)
    assert not is_fleet(members_of("p", "us-west-2"))
    assert fleet_columns(members_of(None, "a,b")) == (False, True)


def test_config_fleet_entries_join_the_flags_or_stand_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[fleet]]\nprofile = "prod"\nregion = "eu-west-1"\n\n[[fleet]]\nregion = "us-east-1"\n')
    alone = load_settings({}, env={}, config_path=path)
    assert members_of(alone.profile, alone.region, alone.fleet) == (
        Member("prod", "eu-west-1"),
        Member(None, "us-east-1"),
    )
    joined = load_settings({"region": "us-west-2"}, env={}, config_path=path)
    assert members_of(joined.profile, joined.region, joined.fleet)[0] == Member(None, "us-west-2")


@pytest.mark.parametrize(
    "body",
    ['fleet = "us-east-1"', '[[fleet]]\nzone = "x"', "[[fleet]]\nregion = 3", "[[fleet]]\nregion = ''"],
)
def test_bad_fleet_entries_are_config_errors(tmp_path, body):
    path = tmp_path / "config.toml"
    path.write_text(body + "\n")
    with pytest.raises(ConfigError, match="fleet"):
        load_settings({}, env={}, config_path=path)


def test_keys_qualify_by_region_or_profile_and_split_back():
    member = Member("prod", "us-east-1")
    assert qualify("ml", member, with_profile=False) == "ml@us-east-1"
    assert qualify("ml", member, with_profile=True) == "ml@prod/us-east-1"
    assert real_name("ml@prod/us-east-1") == "ml" and real_name("ml") == "ml"


def test_fleet_columns_come_after_name_only_when_asked():
    assert [c.key for c in cluster_columns()][:2] == ["name", "status"]
    assert [c.key for c in cluster_columns(regions=True)][:3] == ["name", "region", "status"]
    assert [c.key for c in cluster_columns(profiles=True, regions=True)][:3] == ["name", "profile", "region"]


def test_the_fleet_takes_every_argument_a_single_region_facade_takes():
    """FleetApi stands in for HyperPodApi wherever the app calls `ensure_api()`: a keyword one of them gains
    (IncludeNodeLogicalIds came after the fleet) must reach the other, or a fleet's every listing fails."""
    import inspect

    from tui.core.aws import HyperPodApi
    from tui.core.fleet import FleetApi

    routed_after_resolve = {"connect", "mutating_client", "session", "target"}  # only on a resolved member
    for name, method in inspect.getmembers(HyperPodApi, callable):
        if name.startswith("_") or name in routed_after_resolve:
            continue
        fleet = getattr(FleetApi, name, None)
        assert fleet is not None, f"FleetApi has no {name}"
        ours = list(inspect.signature(method).parameters)[2:]
        theirs = list(inspect.signature(fleet).parameters)[2:]
        assert ours == theirs, f"{name}: HyperPodApi takes {ours}, FleetApi {theirs}"
