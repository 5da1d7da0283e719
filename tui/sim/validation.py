"""Server-side input validation driven by botocore's service models, worded the way AWS words it.

botocore's client only checks required members, types and minimums; AWS checks maximums, enums and patterns
too, and answers `1 validation error detected: Value '…' at 'nodeIds' failed to satisfy constraint: …`.
"""

from __future__ import annotations

import functools
import re

from botocore.loaders import create_loader
from botocore.model import ServiceModel

from tui.sim.errors import SimError, validation_error


@functools.cache
def service_model(service: str) -> ServiceModel:
    # Straight from botocore's data files: a botocore Session would read the user's AWS_PROFILE and config.
    return ServiceModel(create_loader().load_service_model(service, "service-2"), service_name=service)


@functools.cache
def input_shape(service: str, operation: str):
    model = service_model(service)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation).input_shape


@functools.lru_cache(maxsize=4096)
def _pattern(pattern: str):
    try:
        return re.compile(pattern)
    except re.error:
        # A Java-only construct: AWS would check it, we cannot, so let the value through.
        return None


def _wire_name(member: str) -> str:
    return member[:1].lower() + member[1:]


def render_value(value) -> str:
    """A value as AWS's Java back end prints it inside the quotes of a validation message."""
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _constraint_errors(shape, value, path: str, errors: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name

    def fail(constraint: str) -> None:
        errors.append(f"Value '{render_value(value)}' at '{path}' failed to satisfy constraint: {constraint}")

    if kind == "structure":
        if not isinstance(value, dict):
            raise SimError("SerializationException", f"Expected an object at '{path}'")
        for name in shape.required_members:
            if value.get(name) is None:
                member_path = f"{path}.{_wire_name(name)}" if path else _wire_name(name)
                errors.append(f"Value null at '{member_path}' failed to satisfy constraint: Member must not be null")
        for name, member_value in value.items():
            member = shape.members.get(name)
            if member is None or member_value is None:
                continue
            member_path = f"{path}.{_wire_name(name)}" if path else _wire_name(name)
            _constraint_errors(member, member_value, member_path, errors)
        return
    if kind == "list":
        if not isinstance(value, list):
            raise SimError("SerializationException", f"Expected a list at '{path}'")
        _length(meta, len(value), fail)
        for index, item in enumerate(value, start=1):
            if item is not None:
                _constraint_errors(shape.member, item, f"{path}.{index}.member", errors)
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise SimError("SerializationException", f"Expected an object at '{path}'")
        _length(meta, len(value), fail)
        for key, item in value.items():
            _constraint_errors(shape.key, key, f"{path}.{key}.key", errors)
            if item is not None:
                _constraint_errors(shape.value, item, f"{path}.{key}.value", errors)
        return
    if kind == "string":
        if not isinstance(value, str):
            raise SimError("SerializationException", f"Expected a string at '{path}'")
        _length(meta, len(value), fail)
        enum = meta.get("enum")
        if enum and value not in enum:
            fail(f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        if pattern:
            compiled = _pattern(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                fail(f"Member must satisfy regular expression pattern: {pattern}")
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SimError("SerializationException", f"Expected an integer at '{path}'")
        if "min" in meta and value < meta["min"]:
            fail(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            fail(f"Member must have value less than or equal to {meta['max']}")
        return
    if kind == "boolean" and not isinstance(value, bool):
        raise SimError("SerializationException", f"Expected a boolean at '{path}'")
    if kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
        raise SimError("SerializationException", f"Expected a timestamp at '{path}'")


def _length(meta: dict, length: int, fail) -> None:
    if "min" in meta and length < meta["min"]:
        fail(f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and length > meta["max"]:
        fail(f"Member must have length less than or equal to {meta['max']}")


def validate_input(service: str, operation: str, params: dict) -> None:
    """Raise the 400 AWS would answer for `params`, if any. Unmodeled operations are not checked here."""
    shape = input_shape(service, operation)
    if shape is None:
        return
    errors: list[str] = []
    _constraint_errors(shape, params, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise validation_error(f"{count} validation {noun} detected: " + "; ".join(errors), service)
