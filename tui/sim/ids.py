"""Realistic AWS identifiers, drawn from a caller's seeded Random so every run with a seed is identical."""

from __future__ import annotations

import random
import string
import uuid

_ID_ALPHABET = string.ascii_lowercase + string.digits

# Availability-zone ids are per account in AWS; these are the public mapping of a typical account.
_AZ_IDS = {
    "us-east-1": {"a": "use1-az1", "b": "use1-az2", "c": "use1-az4", "d": "use1-az6"},
    "us-east-2": {"a": "use2-az1", "b": "use2-az2", "c": "use2-az3"},
    "us-west-2": {"a": "usw2-az1", "b": "usw2-az2", "c": "usw2-az3", "d": "usw2-az4"},
    "eu-west-1": {"a": "euw1-az1", "b": "euw1-az2", "c": "euw1-az3"},
    "ap-northeast-1": {"a": "apne1-az4", "c": "apne1-az1", "d": "apne1-az2"},
}


def cluster_id(rng: random.Random) -> str:
    return "".join(rng.choice(_ID_ALPHABET) for _ in range(12))


def instance_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        candidate = f"i-0{rng.getrandbits(64):016x}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def hex_id(rng: random.Random, prefix: str, digits: int = 17) -> str:
    return f"{prefix}-{rng.getrandbits(digits * 4):0{digits}x}"


def event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def cluster_arn(region: str, account_id: str, cid: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account_id}:cluster/{cid}"


_HOST_THIRD = range(4, 250)
_HOST_FOURTH = range(4, 254)


def private_ips(rng: random.Random, second_octet: int, count: int, taken: set[str]) -> list[str]:
    """`count` new distinct addresses in 10.<second_octet>.0.0/16 (added to `taken`), avoiding reserved hosts."""
    ips: list[str] = []
    while len(ips) < count:
        ip = (
            f"10.{second_octet}.{_HOST_THIRD[rng.randrange(len(_HOST_THIRD))]}"
            f".{_HOST_FOURTH[rng.randrange(len(_HOST_FOURTH))]}"
        )
        if ip not in taken:
            taken.add(ip)
            ips.append(ip)
    return ips


def private_dns_hostname(ip: str, region: str) -> str:
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip.replace('.', '-')}.{domain}"


def availability_zone(region: str, letter: str) -> tuple[str, str]:
    ids = _AZ_IDS.get(region)
    prefix = "".join(part[0] for part in region.split("-")[:-1]) + region.split("-")[-1]
    az_id = (ids or {}).get(letter) or f"{prefix}-az{ord(letter) - ord('a') + 1}"
    return f"{region}{letter}", az_id


def session_token(rng: random.Random, length: int = 264) -> str:
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(rng.choice(alphabet) for _ in range(length))
