"""The house keeps its shape (design.md, "Shape"): every import between apps points down
APP_ORDER, and no modules import each other in a circle. A lazy import inside a function
counts as much as one at the top (import_graph.py reads them all)."""

from __future__ import annotations

from tests.platform.import_graph import app_edges, circles, module_graph, upward_edges


def test_no_app_imports_an_app_above_it():
    assert upward_edges(app_edges(module_graph())) == []


def test_no_modules_import_each_other_in_a_circle():
    assert circles(module_graph()) == []
