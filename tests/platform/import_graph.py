"""The import graph of safewell/, read from the source (not the tests).

Every `import` counts, at module level or inside a function: a lazy import is still an
edge (design.md, "Shape"). Run as a script to print the app edges and the circles.
"""

import ast
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "safewell"

# design.md's "Shape", top to bottom: an app may import only apps below it.
APP_ORDER = (
    "config",
    "bench",
    "demo",
    "exchange",
    "insights",
    "safeguarding",
    "policy",
    "followup",
    "attendance",
    "pupils",
    "accounts",
    "schools",
    "audit",
    "core",
)


def module_name(path):
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def safewell_modules():
    return {module_name(path): path for path in PACKAGE_ROOT.rglob("*.py") if "migrations" not in path.parts}


def imported_names(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def module_graph():
    """Module → the safewell modules it imports (`from a import b` counts a.b when b is a module)."""
    modules = safewell_modules()
    return {
        name: {imported for imported in imported_names(path) if imported in modules and imported != name}
        for name, path in modules.items()
    }


def app_of(module):
    return module.split(".")[1] if module.count(".") else module


def app_edges(graph=None):
    graph = graph if graph is not None else module_graph()
    return {
        (app_of(module), app_of(imported))
        for module, imports in graph.items()
        for imported in imports
        if app_of(module) != app_of(imported)
    }


def upward_edges(edges):
    rank = {app: position for position, app in enumerate(APP_ORDER)}
    return sorted(
        (importer, imported)
        for importer, imported in edges
        if importer not in rank or imported not in rank or rank[importer] >= rank[imported]
    )


def circles(graph=None):
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    graph = graph if graph is not None else module_graph()
    # A package's __init__ importing its own submodules is not a circle of design.
    graph = {module: {i for i in imports if not i.startswith(module + ".")} for module, imports in graph.items()}
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups)


if __name__ == "__main__":
    graph = module_graph()
    edges = app_edges(graph)
    for importer in APP_ORDER:
        targets = sorted(imported for source, imported in edges if source == importer)
        if targets:
            print(f"{importer} → {', '.join(targets)}")
    print("upward:", upward_edges(edges))
    for group in circles(graph):
        print("circle:", " ↔ ".join(group))
