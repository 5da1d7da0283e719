"""Checking a parsed boto3 response against botocore's output shape, including what botocore itself skips.

botocore's ParamValidator covers required members, unknown members, types and minimums; AWS's models also
carry enums, maximum lengths, numeric ranges and patterns, which a real response honours, so we check those.
"""

from __future__ import annotations

import re

from botocore.validate import ParamValidator


def constraint_errors(shape, value, path: str = "") -> list[str]:
    errors: list[str] = []
    _walk(shape, value, path or shape.name, errors)
    return errors


def _walk(shape, value, path: str, errors: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if value is None:
        return
    if kind == "structure":
        for name, member in shape.members.items():
            if name in value:
                _walk(member, value[name], f"{path}.{name}", errors)
    elif kind == "list":
        _length(meta, len(value), path, errors)
        for index, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{index}]", errors)
    elif kind == "map":
        _length(meta, len(value), path, errors)
        for key, item in value.items():
            _walk(shape.key, key, f"{path}<key {key}>", errors)
            _walk(shape.value, item, f"{path}[{key}]", errors)
    elif kind == "string":
        _length(meta, len(value), path, errors)
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {shape.enum}")
        pattern = meta.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            errors.append(f"{path}: {value!r} does not match {pattern}")
    elif kind in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            errors.append(f"{path}: {value} < min {meta['min']}")
        if "max" in meta and value > meta["max"]:
            errors.append(f"{path}: {value} > max {meta['max']}")


def _length(meta: dict, length: int, path: str, errors: list[str]) -> None:
    if "min" in meta and length < meta["min"]:
        errors.append(f"{path}: length {length} < min {meta['min']}")
    if "max" in meta and length > meta["max"]:
        errors.append(f"{path}: length {length} > max {meta['max']}")


def assert_valid_output(client, operation: str, response: dict) -> None:
    """Fail with every problem found if `response` (as boto3 returned it) breaks the operation's output shape."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if shape is None:  # an operation that answers nothing (SQS SetQueueAttributes, DeleteQueue, …)
        assert not body, f"{operation} has no output shape but answered {body}"
        return
    report = ParamValidator().validate(body, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems += constraint_errors(shape, body)
    assert not problems, f"{operation} response breaks its output shape:\n" + "\n".join(problems)
