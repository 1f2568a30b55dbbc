"""How much a newcomer has to hold in their head: the generated app's structure, measured.

Renders a default project and a `--rag --agent` one, and prints for each:
- lines of `src/` and `tests/` (every line of the `.py` files, blank ones included);
- the files of the package whose code runs while one `POST /chat` with RAG is answered
  (recorded with a profile hook in every thread, after the sample documents are
  ingested), and how many threads ran app code for it;
- untyped `app.state` attributes: the distinct names written or read as `app.state.NAME`
  in `src/` (a typed state object held in one attribute counts as one);
- import cycles: strongly connected groups of the package's modules in the graph of its
  imports, function-level imports included, `if TYPE_CHECKING:` imports left out.

    python benchmarks/structure.py
"""

from __future__ import annotations

import ast
import re
import tempfile
from pathlib import Path
from typing import Any

from generated import PACKAGE, render, run_in_project

FILES_ON_CHAT = """
import json, sys, threading
from pathlib import Path
from fastapi.testclient import TestClient
from {package}.api import create_app
from {package}.settings import Settings

package_dir = str(Path("src/{package}").resolve())
recording, files, threads = False, set(), set()

def profile(frame, event, arg):
    if recording and event == "call" and frame.f_code.co_filename.startswith(package_dir):
        files.add(frame.f_code.co_filename[len(package_dir) + 1 :])
        threads.add(threading.get_ident())

threading.setprofile(profile)
sys.setprofile(profile)
scratch = Path(sys.argv[1])
settings = Settings(
    llm_provider="fake", rag_store="embedded", embedding_provider="local",
    rag_path=scratch / "rag.sqlite3", rag_upload_dir=scratch / "uploads",
    trace_path=scratch / "traces.db", agent_checkpoint_path=":memory:",
)
with TestClient(create_app(settings)) as client:
    for path in sorted(Path("data/sample").iterdir()):
        client.post("/ingest", params={{"filename": path.name}}, content=path.read_bytes())
    client.post("/chat", json={{"message": "warm-up"}})
    recording = True
    response = client.post("/chat", json={{"message": "Can I pay fees with cash?"}})
    recording = False
assert response.status_code == 200, response.text
assert response.json()["passages"], "the answer was not grounded in a passage"
print(json.dumps({{"files": sorted(files), "threads": len(threads)}}))
"""


def count_lines(folder: Path) -> int:
    return sum(len(path.read_text().splitlines()) for path in folder.rglob("*.py"))


def state_attributes(src: Path) -> list[str]:
    pattern = re.compile(r"\bapp\.state\.(\w+)")
    names = {name for path in src.rglob("*.py") for name in pattern.findall(path.read_text())}
    return sorted(names)


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """Import nodes inside `if TYPE_CHECKING:` blocks: not imported at run time."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded |= {child for stmt in node.body for child in ast.walk(stmt)}
    return guarded


def import_graph(src: Path) -> dict[str, set[str]]:
    modules = {module_name(path, src): path for path in (src / PACKAGE).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        guarded = _type_checking_only(tree)
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if node in guarded:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                while target and target not in modules:  # `from a import b`: b may be a name
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def measure(project: Path, scratch: Path) -> dict[str, Any]:
    src = project / "src"
    figures: dict[str, Any] = {
        "src": count_lines(src),
        "tests": count_lines(project / "tests"),
        "state": state_attributes(src),
        "cycles": cycles(import_graph(src)),
    }
    if (src / PACKAGE / "rag").is_dir():
        figures |= run_in_project(project, FILES_ON_CHAT, scratch)
    return figures


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, answers in (("default", {}), ("--rag --agent", {"rag": True, "agent": True})):
            folder = Path(scratch) / label.replace(" ", "").replace("-", "") or "default"
            folder.mkdir()
            rows.append((label, measure(render(folder, **answers), folder)))
    print("| project | src lines | tests lines | files on POST /chat (RAG) | threads |", end="")
    print(" app.state attributes | import cycles |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, f in rows:
        files = len(f["files"]) if "files" in f else "-"
        threads = f.get("threads", "-")
        print(
            f"| {label} | {f['src']:,} | {f['tests']:,} | {files} | {threads} "
            f"| {len(f['state'])} | {len(f['cycles'])} |"
        )
    for label, f in rows:
        print(f"\n{label}: app.state attributes: {', '.join(f['state']) or 'none'}")
        for group in f["cycles"]:
            print(f"{label}: import cycle: {' <-> '.join(group)}")
        if "files" in f:
            print(f"{label}: files on POST /chat: {', '.join(f['files'])}")


if __name__ == "__main__":
    main()
