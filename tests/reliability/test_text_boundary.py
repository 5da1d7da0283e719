"""The trust boundary for text, enforced on the source rather than by care.

Textual parses a plain `str` as content markup almost everywhere it takes one; outside text must reach it only as
`rich.text.Text` / Textual `Content` built from `sanitize.clean` (see tui/text.py). This scan walks every module of
the app that can touch Textual (not `tui/core`, which cannot import it, nor `tui/sim`, which draws nothing) and fails
on any route around that:

1. `notify(…)` is called only inside `tui/text.py` (`toast`: clean text, markup off), and nobody passes
   `markup=True` or calls `from_markup` on anything but a literal.
2. Where Textual parses a `str` as markup (border titles and subtitles, labels, tooltips, the first
   argument of `Static`, `Label`, `Button`, `Tab`, `DiscoveryHit`, a `Hit`'s display, a widget's `render()`), the
   value is a string literal (checked to parse), or is built by a call that returns `Text`/`Content`/a Rich
   renderable (by its annotation), or is a name bound only to such values. An f-string, a concatenation,
   `.format`, `.join` or a `str`-returning call there fails.
3. A palette hit's `help` (always parsed as markup) is a literal or `markup_literal(…)`.
4. Any `.update(…)` (Static.update parses a `str`) gets no string built at run time.
5. Nobody imports `rich.markup.escape` / `textual.markup.escape`: their rule is wrong for Textual 8's parser
   (`[$accent]x`, `[B]x` stay live) — see `test_rich_escape_is_not_enough`.
"""

from __future__ import annotations

import ast
import functools
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.markup import escape as rich_escape
from textual.content import Content

import tui
from tui.text import markup_literal

PACKAGE = Path(tui.__file__).parent
SKIPPED = ("core", "sim")
TOAST_MODULE = "text.py"

ATTRIBUTE_SINKS = {"border_title", "border_subtitle", "label", "tooltip", "title", "sub_title"}
FIRST_ARGUMENT_SINKS = {"Static", "Label", "Button", "Tab", "DiscoveryHit", "Toast"}
SECOND_ARGUMENT_SINKS = {"Hit"}
KEYWORD_SINKS = {"tooltip", "label"}
# Calls whose result is never parsed as markup.
SAFE_BUILDERS = {"Text", "Content", "plain", "content", "highlighted", "Group", "Table", "markup_literal"}
SAFE_METHODS = {"assemble", "from_rich_text", "styled", "from_text", "grid"}
SAFE_ANNOTATIONS = {"Text", "Content", "Group", "Table", "RenderableType", "Visual", "Strip"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.code}"


def modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in SKIPPED and "__pycache__" not in path.parts
    )


def _annotation_names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted annotation
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _top_level_types(node: ast.expr | None) -> set[str]:
    """`str | None` → {"str", "None"}; `dict[str, Any]` → {"dict"}: what a value so annotated may itself be."""
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return set()
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _top_level_types(node.left) | _top_level_types(node.right)
    if isinstance(node, ast.Subscript):
        outer = _top_level_types(node.value)
        if outer & {"Optional", "Union"}:
            inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return set().union(*(_top_level_types(e) for e in inner))
        return outer
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Constant):
        return {repr(node.value)}
    return set()


def _safe_annotation(node: ast.expr | None) -> bool:
    names = _annotation_names(node)
    return bool(names & SAFE_ANNOTATIONS) and "str" not in names


@functools.cache
def returns_by_function() -> tuple[dict[str, bool], dict[str, bool]]:
    """Every function or method name defined in the app → (whether its annotation says it returns a renderable
    and no `str`, whether it may return a `str`); a name defined twice takes the worst of its definitions."""
    safe: dict[str, bool] = {}
    strings: dict[str, bool] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                safe[node.name] = safe.get(node.name, True) and _safe_annotation(node.returns)
                strings[node.name] = strings.get(node.name, False) or "str" in _top_level_types(node.returns)
    return safe, strings


class Scanner(ast.NodeVisitor):
    def __init__(self, path: Path, source: str, tree: ast.Module) -> None:
        self.path = str(path.relative_to(PACKAGE.parent))
        self.source = source
        self.tree = tree
        self.safe_functions, self.str_functions = returns_by_function()
        self.violations: list[Violation] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.toast_module = path.relative_to(PACKAGE).as_posix() == TOAST_MODULE

    # --- reporting -------------------------------------------------------------------------------------------

    def fail(self, node: ast.AST, rule: str) -> None:
        code = ast.get_source_segment(self.source, node) or ""
        self.violations.append(Violation(self.path, getattr(node, "lineno", 0), rule, code.splitlines()[0][:120]))

    # --- what a value is ---------------------------------------------------------------------------------------

    def _bindings(self, name: str) -> tuple[ast.expr | None, list[ast.expr]] | None:
        """(the parameter annotation, the assigned values) of `name` in the enclosing function, else at module
        level; None if unknown."""
        if self.functions:
            found = self._bindings_in(self.functions[-1], name)
            if found is not None:
                return found
        return self._bindings_in(self.tree, name, top_level=True)

    def _bindings_in(
        self, scope: ast.AST, name: str, *, top_level: bool = False
    ) -> tuple[ast.expr | None, list[ast.expr]] | None:
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            args = scope.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if arg.arg == name:
                    return arg.annotation or ast.Constant(value="unannotated"), []
        values: list[ast.expr] = []
        annotation: ast.expr | None = None
        for node in ast.iter_child_nodes(scope) if top_level else ast.walk(scope):
            if isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    values.append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                annotation = node.annotation
                if node.value is not None:
                    values.append(node.value)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                values.append(node.value)
        if annotation is None and not values:
            return None
        return annotation, values

    def safe(self, value: ast.expr, *, depth: int = 0) -> bool:
        """True when `value` cannot be a `str` built at run time (what Textual would parse as markup)."""
        if depth > 8:
            return False
        if isinstance(value, ast.Constant):
            return value.value is None or isinstance(value.value, str)  # literals are checked separately
        if isinstance(value, ast.IfExp):
            return self.safe(value.body, depth=depth + 1) and self.safe(value.orelse, depth=depth + 1)
        if isinstance(value, ast.Call):
            func = value.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in SAFE_BUILDERS or (isinstance(func, ast.Attribute) and name in SAFE_METHODS):
                return True
            return self.safe_functions.get(name, False)
        if isinstance(value, ast.Name):
            bound = self._bindings(value.id)
            if bound is None:
                return False
            annotation, values = bound
            if annotation is not None:
                return _safe_annotation(annotation)
            return all(self.safe(v, depth=depth + 1) for v in values)
        return False

    def builds_string(self, value: ast.expr, *, depth: int = 0) -> bool:
        """True when `value` is a `str` put together at run time (for sinks that also take non-strings)."""
        if depth > 8:
            return False
        if isinstance(value, ast.JoinedStr):
            return True
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Mod):
            return True
        if isinstance(value, ast.IfExp):
            return self.builds_string(value.body, depth=depth + 1) or self.builds_string(value.orelse, depth=depth + 1)
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Attribute) and func.attr in ("format", "join", "replace", "strip"):
                return True
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            return name in ("str", "clean", "repr") or self.str_functions.get(name, False)
        if isinstance(value, ast.Name):
            bound = self._bindings(value.id)
            if bound is None:
                return False
            annotation, values = bound
            if annotation is not None:
                return bool(_top_level_types(annotation) & {"str", "unannotated"})
            return any(self.builds_string(v, depth=depth + 1) for v in values)
        return False

    def check_strict(self, value: ast.expr, rule: str) -> None:
        if not self.safe(value):
            self.fail(value, rule)
        elif isinstance(value, ast.Constant) and isinstance(value.value, str):
            try:
                Content.from_markup(value.value)
            except Exception:
                self.fail(value, f"{rule} (a literal that does not parse as markup)")

    # --- the walk ----------------------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        if node.name == "render" and node.args.args and node.args.args[0].arg == "self":  # a widget's render()
            for child in ast.walk(node):
                if isinstance(child, ast.Return) and child.value is not None and self.builds_string(child.value):
                    self.fail(child.value, "render() returns a str built at run time (parsed as markup)")
        self.generic_visit(node)
        self.functions.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr in ATTRIBUTE_SINKS:
                self.check_strict(node.value, f"`.{target.attr} =` takes markup: give it Text/Content")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = {alias.name for alias in node.names}
        if node.module in ("rich.markup", "textual.markup") and "escape" in names:
            self.fail(node, "markup escaping is wrong for Textual 8: build Text/Content instead")
        if "markup_safe" in names:
            self.fail(node, "markup_safe is gone: build Text/Content instead")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "notify" and not self.toast_module:
            self.fail(node, "notify() outside tui/text.py: use tui.text.toast")
        if name == "from_markup" and not all(isinstance(a, ast.Constant) for a in node.args):
            self.fail(node, "from_markup on a value built at run time")
        for keyword in node.keywords:
            if keyword.arg == "markup" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                self.fail(keyword.value, "markup= must be False (or absent where the default is plain)")
            if keyword.arg in KEYWORD_SINKS:
                self.check_strict(keyword.value, f"`{keyword.arg}=` takes markup: give it Text/Content")
            if keyword.arg == "help" and name in ("Hit", "DiscoveryHit"):
                value = keyword.value
                literal = isinstance(value, ast.Constant)
                escaped = isinstance(value, ast.Call) and getattr(value.func, "id", "") == "markup_literal"
                if not (literal or escaped):
                    self.fail(value, "a palette hit's help is always markup: a literal or markup_literal(…)")
        if name in FIRST_ARGUMENT_SINKS and node.args:
            self.check_strict(node.args[0], f"{name}(…) parses a str as markup: give it Text/Content")
        if name in SECOND_ARGUMENT_SINKS and len(node.args) > 1:
            self.check_strict(node.args[1], f"{name}(…)'s display parses a str as markup: give it Content")
        if name == "update" and isinstance(func, ast.Attribute) and len(node.args) == 1:
            if self.builds_string(node.args[0]):
                self.fail(node.args[0], ".update(…) with a str built at run time (Static.update parses markup)")
        self.generic_visit(node)


def scan(path: Path, source: str | None = None) -> list[Violation]:
    source = path.read_text() if source is None else source
    tree = ast.parse(source, str(path))
    scanner = Scanner(path, source, tree)
    scanner.visit(tree)
    return scanner.violations


def test_no_outside_text_reaches_textual_as_markup():
    violations = [v for path in modules() for v in scan(path)]
    assert not violations, "\n" + "\n".join(map(str, violations))


OFFENDING_LINES = [
    'self.border_title = f"Cluster {name}"',
    "self.notify(message)",
    'toast(self, "x"); self.app.notify(clean(name), markup=False)',
    'yield Static(f"{clean(name)}")',
    'Static(id="x").update("node " + node.hostname)',
    'yield Hit(1.0, f"node {node.hostname}", callback, help="h")',
    'yield DiscoveryHit(text, callback, help=f"in {cluster}")',
    "label = Content.from_markup(name)",
    'tab.label = "x" + name',
    "Button(self._confirm_text())",
    "from rich.markup import escape",
    'self.app.notify("ok", markup=True)',
]


@pytest.mark.parametrize("line", OFFENDING_LINES)
def test_the_scan_fails_on_an_offending_line(line):
    """The scan can fail: each line, put into a real module, is reported."""
    path = PACKAGE / "controllers" / "panes.py"
    source = path.read_text()
    anchor = "    def update_titles(self) -> None:\n"
    assert anchor in source
    body = "\n".join(f"        {part.strip()}" for part in line.split(";"))
    text = "text = Text('x')\n        callback = None\n        name = cluster = str(self)\n"
    offending = source.replace(
        anchor, f"    def offending(self, node, message, tab):\n        {text}{body}\n\n{anchor}", 1
    )
    assert scan(path, offending), f"not reported: {line}"
    assert not scan(path), "the module itself must be clean"


def test_rich_escape_is_not_enough():
    """Why the scan bans escaping: rich's (and Textual's) escape leaves Textual 8 markup live."""
    for hostile in ("[$accent]x", "[B]x[/B]", "[ bold]x"):
        assert Content.from_markup(rich_escape(hostile)).plain != hostile


def test_markup_literal_shows_any_text_literally():
    """`markup_literal` against Textual's parser: 100,000 random strings of the characters that matter."""
    alphabet = [*"[]/\\$@=ab :#.!&;", "[/]", "[b]", "[$accent]", "[@click=app.quit]", "[link=x]", "\\[", "${x}"]
    rng = random.Random(11)
    for _ in range(100_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        parsed = Content.from_markup(markup_literal(text))
        assert parsed.plain == text and not parsed.spans, text
