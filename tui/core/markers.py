"""Lifecycle-log markers: the rule table (data), its compiled matcher, and user-rule merging.

Marker families in lifecycle logs (docs/aws-facts.md, Lifecycle markers): the lines HyperPod itself writes
(`[SageMaker] Downloading lifecycle scripts` at the start of every attempt, `[SageMaker] The lifecycle scripts
succeeded.` / `… failed.` at its end, other `[SageMaker] …` progress lines), the service-style progress markers of
AWS's January 2026 HyperPod announcement (`[LIFECYCLE_SCRIPT_START]`, `[SCRIPT_DOWNLOAD_*]`, `[SCRIPT_EXECUTION_*]`)
and the ones AWS's sample scripts write (`[start] x.sh`, `[stop] x.sh with error`, `[error] …`). Generic
failure evidence (a non-zero exit code, a Python traceback, ERROR and failed/Failed/FAILED words, and common
causes such as `403 Forbidden`, `Connection timed out`, `No space left on device`) is matched too.

Speed: one regex alternation over every line is slow in CPython (measured 5 s for 200k lines) because
patterns starting with `\\b` defeat the engine's literal-prefix search. So a rule may carry `hints`, literals
that every matching line contains: the matcher scans the joined text for each hint (fast substring search),
then verifies only the candidate lines, rules in priority order. A rule without hints gets one regex pass
over the joined text, which is fast when the pattern itself starts with a literal.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any, Literal, NamedTuple, get_args

from tui.core.wording import noun

Kind = Literal["start", "progress", "success", "failure", "warning"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class MarkerRule:
    """One marker: `pattern` (a Python regex, searched in each line) of a `kind`, optionally in a `stage`.

    `stage` drives the timeline: `start`/`progress` opens the stage, `success`/`failure` closes it. The stage
    "script" takes its stage name from the pattern's `script` group. A rule without a stage is evidence only.
    `hints`: literals at least one of which every matching line contains (speed only, see module doc).
    """

    name: str
    pattern: str
    kind: Kind
    stage: str | None = None
    hints: tuple[str, ...] = ()


_OK = "SUCCEEDED|SUCCESS|SUCCESSFUL|COMPLETE|COMPLETED|DONE|OK|FINISHED|END|ENDED"
_BAD = "FAILED|FAILURE|FAIL|ERROR|ERRORED|ABORTED|TIMEOUT|TIMED_OUT|CANCELLED|CANCELED|KILLED"
_GO = "START|STARTED|STARTING|BEGIN"
# One hint tuple for every bracketed marker: they are found in a single scan of the text.
_B = ("[LIFECYCLE_SCRIPT_", "[SCRIPT_DOWNLOAD_", "[SCRIPT_EXECUTION_", "[start] ", "[stop] ", "[error]", "[warning]")

_S = ("[SageMaker] ",)
SERVICE_ATTEMPT = "service-attempt"  # one per attempt: a stream is split into attempts on this rule
SERVICE_FAILURE = "service-failure"  # the terminal failure marker: the line before it is the last step that ran
# Causes an on-call engineer recognises at once, in the order they are looked for: (label, regex, a literal every
# matching line contains). apt writes "403  Forbidden" with two spaces.
KNOWN_CAUSES: tuple[tuple[str, str, str], ...] = (
    ("403 Forbidden", r"\b403\s+Forbidden\b", "Forbidden"),
    ("no space left on device", r"No space left on device", "No space left on device"),
    ("connection timed out", r"Connection timed out", "Connection timed out"),
    ("Traceback", r"Traceback(?<=\bTraceback)\b", "Traceback"),
)
_KNOWN_CAUSES = tuple((label, re.compile(pattern), literal) for label, pattern, literal in KNOWN_CAUSES)

# Order is priority: the first rule that matches a line classifies it.
DEFAULT_RULES: tuple[MarkerRule, ...] = (
    # What HyperPod itself writes into the stream.
    MarkerRule(SERVICE_ATTEMPT, r"\[SageMaker\] Downloading lifecycle scripts", "start", "lifecycle", _S),
    MarkerRule(SERVICE_FAILURE, r"\[SageMaker\] The lifecycle scripts failed", "failure", "lifecycle", _S),
    MarkerRule("service-success", r"\[SageMaker\] The lifecycle scripts succeeded", "success", "lifecycle", _S),
    MarkerRule("service-progress", r"\[SageMaker\] ", "progress", None, _S),
    # The service-style markers of AWS's January 2026 HyperPod announcement; any [SCRIPT_EXECUTION_<WORD>] is known.
    MarkerRule("lifecycle-start", rf"\[LIFECYCLE_SCRIPT_(?:{_GO})\]", "start", "lifecycle", _B),
    MarkerRule("lifecycle-success", rf"\[LIFECYCLE_SCRIPT_(?:{_OK})\]", "success", "lifecycle", _B),
    MarkerRule("lifecycle-failure", rf"\[LIFECYCLE_SCRIPT_(?:{_BAD})\]", "failure", "lifecycle", _B),
    MarkerRule("lifecycle-other", r"\[LIFECYCLE_SCRIPT_[A-Z0-9_]+\]", "progress", "lifecycle", _B),
    MarkerRule("download-start", rf"\[SCRIPT_DOWNLOAD_(?:{_GO})\]", "progress", "download", _B),
    MarkerRule("download-complete", rf"\[SCRIPT_DOWNLOAD_(?:{_OK})\]", "success", "download", _B),
    MarkerRule("download-failure", rf"\[SCRIPT_DOWNLOAD_(?:{_BAD})\]", "failure", "download", _B),
    MarkerRule("download-other", r"\[SCRIPT_DOWNLOAD_[A-Z0-9_]+\]", "progress", "download", _B),
    MarkerRule("execution-start", rf"\[SCRIPT_EXECUTION_(?:{_GO})\]", "progress", "execute", _B),
    MarkerRule("execution-success", rf"\[SCRIPT_EXECUTION_(?:{_OK})\]", "success", "execute", _B),
    MarkerRule("execution-failure", rf"\[SCRIPT_EXECUTION_(?:{_BAD})\]", "failure", "execute", _B),
    MarkerRule("execution-other", r"\[SCRIPT_EXECUTION_[A-Z0-9_]+\]", "progress", "execute", _B),
    # The markers of AWS's sample lifecycle scripts (awsome-distributed-training PR #927).
    MarkerRule("script-stop-error", r"\[stop\] (?P<script>\S+) with error", "failure", "script", _B),
    MarkerRule("script-stop", r"\[stop\] (?P<script>\S+)", "success", "script", _B),
    MarkerRule("script-start", r"\[start\] (?P<script>\S+)", "start", "script", _B),
    MarkerRule("script-error", r"\[error\]", "failure", "script", _B),
    MarkerRule("script-warning", r"\[warning\]", "warning", None, _B),
    # Common causes, as failure evidence in lines that may carry no error word ("curl: (28) Connection timed out").
    MarkerRule(
        "known-cause",
        "|".join(pattern for _, pattern, _ in KNOWN_CAUSES[:3]),
        "failure",
        hints=tuple(literal for _, _, literal in KNOWN_CAUSES[:3]),
    ),
    # Generic failure evidence. "exit code 0", "0 errors", "FAILED: 0" must not match. These patterns start
    # with a literal and check the word boundary behind it, so the regex engine can skip ahead fast.
    MarkerRule(
        "exit-code",
        r"xit(?<=\b[Ee]xit)(?:ed)?(?: with)?[ _-]?(?:[Cc]ode|[Ss]tatus)\b[\"']?[ :=]*[\"']?0*[1-9]\d*",
        "failure",
    ),
    MarkerRule("traceback", r"Traceback(?<=\bTraceback)\b", "failure"),
    MarkerRule("error-word", r"ERROR(?<=\bERROR)(?<!\b0 ERROR)\b(?![ \t]*[:=][ \t]*0\b)", "failure"),
    # failed, Failed, FAILED: not "0 failed", "failed: 0", "failed=0".
    MarkerRule(
        "failed-word",
        r"(?i)(?<![\w-])failed\b(?<!\b0 failed)(?![ \t]*[:=][ \t]*0\b)",
        "failure",
        hints=("failed", "Failed", "FAILED"),
    ),
    MarkerRule(
        "error-colon",
        r"\b(?:[Ee]rror|[Ff]atal(?: [Ee]rror)?|FATAL):\s",
        "failure",
        hints=("rror:", "atal", "FATAL"),
    ),
    MarkerRule("apt-error", r"^E: ", "failure", hints=("E: ",)),
    MarkerRule("warning-word", r"WARN(?<=\bWARN)(?:ING)?\b", "warning"),
)

EXIT_CODE_RULE = "exit-code"
_EXIT_CODE = re.compile(r"\b[Ee]xit(?:ed)?(?: with)?[ _-]?(?:[Cc]ode|[Ss]tatus)\b[\"']?[ :=]*[\"']?(-?\d+)")


def exit_code_in(line: str) -> int | None:
    """The exit code a line reports ("exit code 1", "exited with status 137", …), if any."""
    match = _EXIT_CODE.search(line)
    return int(match.group(1)) if match else None


def known_cause(line: str) -> str | None:
    """The common cause a failure line names ("403 Forbidden", "exit status 100", …), if any."""
    for label, pattern, literal in _KNOWN_CAUSES:
        if literal in line and pattern.search(line):
            return label
    code = exit_code_in(line)
    return f"exit status {code}" if code else None


class MarkerHit(NamedTuple):
    """A classified line: its index, the rule that matched, the match span, and the `script` group if any."""

    index: int  # type: ignore[assignment]  # the line number: a field named like tuple.index, which it shadows
    rule: MarkerRule
    start: int
    end: int
    subject: str | None = None

    @property
    def kind(self) -> Kind:
        return self.rule.kind


class MarkerRuleError(ValueError):
    """A user rule from config is invalid; the message names the rule."""


class MarkerMatcher:
    """A compiled rule table. `classify` scans many lines fast; `match_line` classifies one."""

    def __init__(self, rules: Iterable[MarkerRule] = DEFAULT_RULES) -> None:
        self.rules: tuple[MarkerRule, ...] = tuple(rules)
        self._compiled = [_compile(rule) for rule in self.rules]
        # Rules sharing a hint tuple are scanned together (one pass per distinct hint, then the candidate lines
        # are verified rule by rule); a rule without hints is one pass of its own pattern.
        hinted: dict[tuple[str, ...], list[int]] = {}
        self._passes: list[tuple[list[re.Pattern[str]], list[int], bool]] = []
        for position, rule in enumerate(self.rules):
            if rule.hints:
                hinted.setdefault(rule.hints, []).append(position)
            else:
                self._passes.append(([self._compiled[position]], [position], False))
        for hints, positions in hinted.items():
            # Alternatives that share a first character keep the regex engine's fast prefix scan.
            buckets: dict[str, list[str]] = {}
            for hint in sorted(hints, key=len, reverse=True):
                buckets.setdefault(hint[0], []).append(re.escape(hint))
            scanners = [re.compile("|".join(bucket)) for bucket in buckets.values()]
            self._passes.append((scanners, positions, True))
        self._passes.sort(key=lambda scan: scan[1][0])

    def match_line(self, line: str, index: int = 0) -> MarkerHit | None:
        """The highest-priority rule matching `line`, or None."""
        for position, pattern in enumerate(self._compiled):
            if (match := pattern.search(line)) is not None:
                return self._hit(index, position, match)
        return None

    def classify(self, lines: Sequence[str]) -> list[MarkerHit]:
        """Every marker line of `lines`, in line order (one hit per line: the highest-priority rule)."""
        if not lines:
            return []
        text = "\n".join(lines)
        if text.count("\n") != len(lines) - 1:  # a line with its own newline would shift every index after it
            lines = [line.replace("\n", " ") for line in lines]
            text = "\n".join(lines)
        starts = [0, *accumulate(len(line) + 1 for line in lines)]
        decided: dict[int, tuple[int, MarkerHit]] = {}
        compiled = self._compiled
        for scanners, positions, verify in self._passes:
            first = positions[0]
            candidates: set[int] = set()
            for scanner in scanners:
                for match in scanner.finditer(text):
                    line_no = bisect_right(starts, match.start()) - 1
                    if not verify and match.end() < starts[line_no + 1]:
                        if line_no not in decided or decided[line_no][0] > first:
                            shifted = _Shifted(match, starts[line_no])
                            decided[line_no] = (first, self._hit(line_no, first, shifted))
                        continue
                    # A hint occurrence, or a match spanning the joining newline (a pattern with \s): check the
                    # lines it touches one by one.
                    last = bisect_right(starts, max(match.start(), match.end() - 1)) - 1
                    candidates.update(range(line_no, last + 1))
            for line_no in candidates:
                previous = decided.get(line_no)
                if previous is not None and previous[0] < first:
                    continue
                line = lines[line_no]
                for position in positions:
                    if previous is not None and position > previous[0]:
                        break
                    if (found := compiled[position].search(line)) is not None:
                        decided[line_no] = (position, self._hit(line_no, position, found))
                        break
        return [decided[line_no][1] for line_no in sorted(decided)]

    def _hit(self, index: int, position: int, match: re.Match[str] | _Shifted) -> MarkerHit:
        subject = match.groupdict().get("script") if "script" in self._compiled[position].groupindex else None
        return MarkerHit(index, self.rules[position], match.start(), match.end(), subject)


class _Shifted:
    """A match in the joined text, seen with offsets relative to its line."""

    __slots__ = ("_match", "_offset")

    def __init__(self, match: re.Match[str], offset: int) -> None:
        self._match, self._offset = match, offset

    def start(self) -> int:
        return self._match.start() - self._offset

    def end(self) -> int:
        return self._match.end() - self._offset

    def groupdict(self) -> dict[str, str | Any]:
        return self._match.groupdict()


def _compile(rule: MarkerRule) -> re.Pattern[str]:
    try:
        return re.compile(rule.pattern, re.MULTILINE)
    except re.error as error:
        raise MarkerRuleError(f"marker rule {rule.name!r}: invalid regex {rule.pattern!r}: {error}") from None


@lru_cache(maxsize=1)
def default_matcher() -> MarkerMatcher:
    return MarkerMatcher(DEFAULT_RULES)


_USER_KEYS = frozenset({"pattern", "kind", "name", "stage"})


def merge_rules(
    user_rules: Iterable[Mapping[str, object]] | None, base: Sequence[MarkerRule] = DEFAULT_RULES
) -> tuple[MarkerRule, ...]:
    """User rules from config (dicts `{pattern, kind, name?, stage?}`) ahead of `base`.

    User rules come first so they win over the defaults on the same line (e.g. to silence a false positive,
    or to give a line a better kind). Each gets one regex pass over the log, fast when the pattern starts with
    a literal. Every problem raises `MarkerRuleError` naming the rule.
    """
    merged: list[MarkerRule] = []
    for number, raw in enumerate(user_rules or (), start=1):
        if not isinstance(raw, Mapping):
            raise MarkerRuleError(f"marker rule #{number}: expected a table with pattern and kind, got {raw!r}")
        name = raw.get("name") or f"user-{number}"
        if not isinstance(name, str):
            raise MarkerRuleError(f"marker rule #{number}: name must be a string, got {name!r}")
        label = f"marker rule {name!r}"
        unknown = sorted(map(str, set(raw) - _USER_KEYS))
        if unknown:
            raise MarkerRuleError(f"{label}: unknown {noun(len(unknown), 'key')} {', '.join(unknown)}")
        pattern, kind, stage = raw.get("pattern"), raw.get("kind"), raw.get("stage")
        if not isinstance(pattern, str) or not pattern:
            raise MarkerRuleError(f"{label}: pattern must be a non-empty string")
        if kind not in KINDS:
            raise MarkerRuleError(f"{label}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if stage is not None and (not isinstance(stage, str) or not stage):
            raise MarkerRuleError(f"{label}: stage must be a non-empty string")
        rule = MarkerRule(name, pattern, kind, stage)  # type: ignore[arg-type]
        _compile(rule)
        merged.append(rule)
    return (*merged, *base)
