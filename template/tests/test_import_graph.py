"""The package's modules import each other without cycles.

A cycle means two modules that cannot be read (or tested, or moved) one without the
other, and an import order that works by luck: the module imported first sees the
other half-initialised. Imports inside functions count too (they only delay the cycle
to the first call); imports under `if TYPE_CHECKING:` do not, as they never run.

The graph is read from the source with `ast`, nothing is imported: relative and
absolute imports of the package's own modules, at any depth of the file. Like
import-linter, an import names its target module only (`from .tracing import query`
is an edge to `tracing/query.py`, `from .tracing.query import x` too), not the
packages above it that Python also initialises.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def package_dir() -> Path:
    """The one package under src/."""
    (init,) = SRC.glob("*/__init__.py")
    return init.parent


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package (`pkg.tracing` is the
    package's `__init__.py`)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of the tree except what sits under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from (inner for other in node.orelse for inner in _walk(other))
            continue
        yield node
        yield from _runtime_nodes(node)


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    yield from _runtime_nodes(node)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `module` imports, at run time."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # `.` is the module's own package: the module itself if it is a package.
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from a import b`: b is a submodule when there is one, else a name in a.
            candidates = [
                f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                for alias in node.names
            ]
        else:
            continue
        for name in candidates:
            while name and name not in modules:  # `import pkg.a.b.name` -> pkg.a.b
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = module_files(package)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles of each strongly connected component of more than one module (Tarjan),
    each as a path `a -> b -> ... -> a`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [cycle for component in components for cycle in _cycles_through(graph, component)]


def _cycles_through(graph: dict[str, set[str]], component: list[str]) -> list[list[str]]:
    """From the component's first module, through each module it imports in the
    component, the shortest way back: every import that closes a loop on it is named."""
    start, members = component[0], set(component)
    found = []
    for first in sorted(graph[start] & members):
        paths = {first: [start, first]}
        queue = [first]
        for node in queue:
            if start in graph[node]:
                found.append([*paths[node], start])
                break
            for target in sorted((graph[node] & members) - paths.keys()):
                paths[target] = [*paths[node], target]
                queue.append(target)
    return found


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(import_graph(package_dir()))
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def cli_modules(package: Path) -> set[str]:
    """The command line: `cli.py`, `cli_*.py`, `*_command(s).py`, and any module that
    imports Typer."""
    return {
        name
        for name, path in module_files(package).items()
        if path.stem == "cli"
        or path.stem.startswith("cli_")
        or path.stem.endswith(("_command", "_commands"))
        or _imports_typer(path)
    }


def _imports_typer(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name.split(".")[0] == "typer" for name in names):
            return True
    return False


def test_settings_import_nothing_of_the_app() -> None:
    """Every module reads the settings; they depend on nothing, so none is a cycle."""
    package = package_dir()
    assert import_graph(package)[f"{package.name}.settings"] == set()


def upward_imports(package: Path) -> list[str]:
    """`module -> target` for each import of a layer above the importer's: the library
    (everything but the API and the CLI) importing either, or the API importing the CLI."""
    graph = import_graph(package)
    cli = cli_modules(package)
    api = {name for name in graph if name.startswith(f"{package.name}.api")}
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module not in cli
        for target in targets
        if target in cli or (target in api and module not in api)
    )


def test_the_api_and_the_command_line_sit_on_top() -> None:
    """The library (chat, prompting, models, tracing, rag, agent, evals) is used by the
    API and the CLI and imports neither; the API does not import the CLI."""
    upward = upward_imports(package_dir())
    assert not upward, "imports of a layer above:\n" + "\n".join(upward)


def test_the_checker_finds_cycles_and_upward_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "api").mkdir()
    for init in ("__init__.py", "sub/__init__.py", "api/__init__.py"):
        (package / init).write_text("")
    (package / "a.py").write_text("from .sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..a import x\n")  # a cycle
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
    )
    (package / "cli.py").write_text("import typer\nfrom .api import routes\n")
    (package / "api" / "routes.py").write_text("from pkg import cli_errors\n")
    (package / "cli_errors.py").write_text("from .sub.b import f\n")
    (package / "d.py").write_text("def f():\n    import pkg.api.routes\n")
    graph = import_graph(package)
    assert graph["pkg.c"] == set()  # type-only imports never run
    assert graph["pkg.d"] == {"pkg.api.routes"}
    assert cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.a"]]
    assert cli_modules(package) == {"pkg.cli", "pkg.cli_errors"}
    assert upward_imports(package) == [
        "pkg.api.routes -> pkg.cli_errors",
        "pkg.d -> pkg.api.routes",
    ]
