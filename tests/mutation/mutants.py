"""Mutants of a Python source file: small, plausible mistakes, each made at one place.

Each operator turns one AST node into another; the mutant is the original source with exactly that
node's text replaced (everything else, comments and line numbers included, stays as it was):
- comparisons flipped: == and !=, < and <= and >, > and >= and <, is and is not, in and not in;
- boolean operators swapped (and, or), and each operand of one dropped (a condition removed);
- `not` removed; an `if`'s condition made always true or always false;
- constants changed: True and False swapped, a whole number n made n + 1, a name-like string
  (a role, a status, a field name) changed; + and - swapped;
- SQLAlchemy and_() and or_() swapped and each of their conditions dropped, true() and false()
  swapped, .is_() and .is_not(), .in_() and .not_in() swapped; max() and min() swapped;
- a call made as a statement (`rules.append(...)`) or a `raise` removed.
"""
import ast
import re
from dataclasses import dataclass

COMPARISONS = {
    ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.Gt],
    ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt, ast.Lt], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
    ast.In: [ast.NotIn], ast.NotIn: [ast.In],
}
SWAPPED_NAMES = {"and_": "or_", "or_": "and_", "true": "false", "false": "true", "max": "min", "min": "max"}
SWAPPED_METHODS = {"is_": "is_not", "is_not": "is_", "in_": "not_in", "not_in": "in_"}
NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,39}\Z")


@dataclass(frozen=True)
class Mutant:
    path: str
    line: int
    column: int
    end_line: int
    description: str
    source: str


def mutants_of(path: str, source: str) -> list[Mutant]:
    """Every mutant of `source` (the text of `path`) that compiles and differs from it."""
    tree = ast.parse(source)
    skipped = _never_mutated(tree)
    found, seen = [], {source}
    for node in sorted((n for n in ast.walk(tree) if hasattr(n, "lineno") and id(n) not in skipped),
                       key=lambda n: (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset)):
        for target, replacement, what in _replacements(node):
            text = replacement if isinstance(replacement, str) else ast.unparse(replacement)
            if isinstance(target, ast.expr):
                text = f"({text})"
            mutated = _splice(source, target, text)
            if mutated in seen or not _compiles(mutated):
                continue
            seen.add(mutated)
            original = ast.get_source_segment(source, target) or ""
            found.append(Mutant(path, target.lineno, target.col_offset + 1, target.end_lineno,
                                f"{what}: `{_short(original)}` -> `{_short(text)}`", mutated))
    return found


def _replacements(node):
    """(node whose text is replaced, replacement node or source text, what the mistake is)."""
    for replacement, what in _changes(node):
        yield node, replacement, what
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        for value in (True, False):
            yield node.test, ast.Constant(value), f"condition always {value}"


def _changes(node):
    """(replacement, what the mistake is) for the node itself."""
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            for other in COMPARISONS.get(type(op), []):
                ops = list(node.ops)
                ops[index] = other()
                yield ast.Compare(node.left, ops, node.comparators), "comparison flipped"
    elif isinstance(node, ast.BoolOp):
        yield ast.BoolOp(ast.Or() if isinstance(node.op, ast.And) else ast.And(), node.values), "and/or swapped"
        for index in range(len(node.values)):
            rest = node.values[:index] + node.values[index + 1:]
            yield (rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)), "condition removed"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield node.operand, "not removed"
    elif isinstance(node, ast.Constant):
        yield from _constant_changes(node.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        yield ast.BinOp(node.left, ast.Sub() if isinstance(node.op, ast.Add) else ast.Add(), node.right), "+/- swapped"
    elif isinstance(node, ast.Call):
        yield from _call_changes(node)
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "pass", "call removed"
    elif isinstance(node, ast.Raise):
        yield "pass", "raise removed"


def _constant_changes(value):
    if isinstance(value, bool):
        yield ast.Constant(not value), "True/False swapped"
    elif isinstance(value, int):
        yield ast.Constant(value + 1), "number changed"
        if value > 0:
            yield ast.Constant(value - 1), "number changed"
    elif isinstance(value, str) and NAME_LIKE.match(value):
        yield ast.Constant(value + "_mutant"), "string changed"


def _call_changes(node: ast.Call):
    function = node.func
    if isinstance(function, ast.Name) and function.id in SWAPPED_NAMES:
        yield ast.Call(ast.Name(SWAPPED_NAMES[function.id], ast.Load()), node.args, node.keywords), "function swapped"
        if function.id in ("and_", "or_") and len(node.args) >= 2:
            for index in range(len(node.args)):
                rest = node.args[:index] + node.args[index + 1:]
                yield ast.Call(function, rest, node.keywords), "condition removed"
    elif isinstance(function, ast.Attribute) and function.attr in SWAPPED_METHODS:
        swapped = ast.Attribute(function.value, SWAPPED_METHODS[function.attr], ast.Load())
        yield ast.Call(swapped, node.args, node.keywords), "method swapped"


def _never_mutated(tree) -> set:
    """Ids of nodes never mutated: docstrings, f-strings, annotations and decorators (a mistake
    there is not one the code's behaviour could show)."""
    skipped = set()
    for node in ast.walk(tree):
        for part in [getattr(node, "annotation", None), getattr(node, "returns", None),
                     *getattr(node, "decorator_list", [])]:
            if part is not None:
                skipped.update(id(n) for n in ast.walk(part))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skipped.update(id(n) for n in ast.walk(body[0]))
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(n) for n in ast.walk(node))
    return skipped


def _splice(source: str, node, text: str) -> str:
    """`source` with the text of `node` replaced by `text`. AST offsets count UTF-8 bytes."""
    lines = source.encode("utf-8").splitlines(keepends=True)
    start = sum(len(line) for line in lines[:node.lineno - 1]) + node.col_offset
    end = sum(len(line) for line in lines[:node.end_lineno - 1]) + node.end_col_offset
    data = source.encode("utf-8")
    return (data[:start] + text.encode("utf-8") + data[end:]).decode("utf-8")


def _compiles(source: str) -> bool:
    try:
        compile(source, "<mutant>", "exec")
    except SyntaxError:
        return False
    return True


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"
