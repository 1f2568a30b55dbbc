"""How much a newcomer has to hold in their head: the generated app's structure, measured.

Renders a default project and a `--rag --agent` one, and prints for each:
- lines of `src/` and `tests/` (every line of the `.py` files, blank ones included);
- the files of the package whose code runs while one `POST /chat` with RAG is answered
  (recorded with a profile hook in every thread, after the sample documents are
  ingested), and how many threads ran app code for it;
- untyped `app.state` attributes: the distinct names written or read as `app.state.NAME`
  in `src/` (a typed state object held in one attribute counts as one);
- import cycles, read as the generated `tests/test_import_graph.py` reads them (this
  checkout's copy, so a baseline template is measured the same way): function-level
  imports included, `if TYPE_CHECKING:` imports left out.

    python benchmarks/structure.py
"""

from __future__ import annotations

import importlib.util
import re
import tempfile
from pathlib import Path
from types import ModuleType
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


def import_checker() -> ModuleType:
    """The generated projects' own import-graph test (a plain file of the template): one
    reading of imports for the test and for these figures, whatever template is measured."""
    path = Path(__file__).resolve().parents[1] / "template" / "tests" / "test_import_graph.py"
    spec = importlib.util.spec_from_file_location("import_graph_checker", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(project: Path, scratch: Path) -> dict[str, Any]:
    src = project / "src"
    figures: dict[str, Any] = {
        "src": count_lines(src),
        "tests": count_lines(project / "tests"),
        "state": state_attributes(src),
        "cycles": (checker := import_checker()).cycles(checker.import_graph(src / PACKAGE)),
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
