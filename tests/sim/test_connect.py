"""HyperPodApi.connect resolves the region the way the AWS CLI v2 does (botocore alone ignores AWS_REGION)."""

from __future__ import annotations

import pytest

from tui.core.aws import HyperPodApi


@pytest.fixture
def no_aws_config(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        (None, {"AWS_REGION": "eu-west-1"}, "eu-west-1"),
        (None, {"AWS_DEFAULT_REGION": "ap-south-1"}, "ap-south-1"),
        (None, {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-south-1"}, "eu-west-1"),  # as the AWS CLI v2
        ("us-east-2", {"AWS_REGION": "eu-west-1"}, "us-east-2"),  # the flag wins
        (None, {}, None),
    ],
)
def test_region_precedence(no_aws_config, monkeypatch, flag, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    api = HyperPodApi.connect(region=flag)
    try:
        assert api.region_name == expected
        assert api.target.region == expected
    finally:
        api.close()


def test_the_profiles_region_is_used_when_no_variable_is_set(no_aws_config):
    (no_aws_config / "config").write_text("[profile ops]\nregion = sa-east-1\n")
    api = HyperPodApi.connect(profile="ops")
    try:
        assert api.region_name == "sa-east-1"
    finally:
        api.close()
