"""Doors (views and the API) read records through selectors, never a model directly.

A door that reads ``Model.objects…``, ``Model._default_manager`` or ``get_object_or_404(Model,
…)`` skips the visibility rules ``policies`` applies in the ``*_for_user`` selectors. The test
reads each door module with ``ast`` and lists such places; the list must stay empty.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tandem

ROOT = Path(tandem.__file__).parent


def _doors() -> list[Path]:
    """Every door module: views, *_views, views packages and the API routers."""
    found = set(ROOT.glob("*/views.py")) | set(ROOT.glob("*/*_views.py"))
    found |= set(ROOT.glob("*/views/*.py")) | set(ROOT.glob("api/*.py"))
    return sorted(found)


def _model_name(node: ast.expr) -> str | None:
    """``Contact`` of ``Contact`` or ``models.Contact``: a name that reads as a model class."""
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    else:
        return None
    return name if name[:1].isupper() else None


class _Reads(ast.NodeVisitor):
    def __init__(self, module: str):
        self.module, self.function, self.found = module, "", []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, self.function or node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _add(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.module}:{node.lineno} {what}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in ("objects", "_default_manager", "_base_manager"):
            model = _model_name(node.value)
            if model:
                self._add(node, f"{model}.{node.attr}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in ("get_object_or_404", "get_list_or_404") and node.args:
            model = _model_name(node.args[0])
            if model:
                self._add(node, f"{name}({model}, …)")
        self.generic_visit(node)


def _direct_reads() -> list[str]:
    found: list[str] = []
    for path in _doors():
        module = str(path.relative_to(ROOT))
        reads = _Reads(module)
        reads.visit(ast.parse(path.read_text(encoding="utf-8")))
        found += reads.found
    return found


def test_the_test_reads_the_doors():
    modules = {str(p.relative_to(ROOT)) for p in _doors()}
    assert {"people/views.py", "api/people.py", "mailing/views.py"} <= modules


def test_no_door_reads_a_model_directly():
    assert _direct_reads() == []
