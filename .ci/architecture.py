"""Architecture checks (run by .ci/test.sh before the tests; exit status 1 on a failure):

1. `pip install .` adds exactly one top-level module, `jianghua` (the folders install as jianghua.<folder>);
2. `lint-imports` passes the layers contract in pyproject.toml ([tool.importlinter]);
3. no import cycle between modules (strongly connected components of the import graph, lazy imports included;
   imports under `if TYPE_CHECKING:` are annotations, not dependencies, and are left out);
4. no private name (`_x`) imported from another jianghua module.

Check 1 reads a copy installed into a temporary folder; checks 2–4 read the source tree, where jianghua/<folder> are
symlinks to the top-level folders (the namespace as it installs), so a bare `lint-imports` in a checkout sees the same.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def install(target: Path) -> None:
    had_build = (ROOT / "build").exists()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(ROOT)], check=True)
    if not had_build:
        shutil.rmtree(ROOT / "build", ignore_errors=True)


def top_level(site: Path) -> list[str]:
    return sorted(p.name for p in site.iterdir()
                  if p.name not in ("bin", "__pycache__") and not p.name.endswith(".dist-info"))


def cycles(root: Path) -> list[list[str]]:
    sys.path.insert(0, str(root))
    import grimp
    g = grimp.build_graph("jianghua", include_external_packages=False, exclude_type_checking_imports=True,
                          cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(g.modules):                 # Tarjan's algorithm, iterative
        if root in index:
            continue
        work = [(root, iter(sorted(g.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(g.find_modules_directly_imported_by(w)))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def private_imports(root: Path) -> list[str]:
    found = []
    for top, _, files in sorted(os.walk(root / "jianghua", followlinks=True)):
        for name in sorted(n for n in files if n.endswith(".py")):
            f = Path(top) / name
            tree = ast.parse(f.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jianghua"):
                    for a in node.names:
                        if a.name.startswith("_") and not a.name.startswith("__"):
                            found.append(f"{f.relative_to(root)}:{node.lineno}: from {node.module} import {a.name}")
    return found


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        install(site)
        tops = top_level(site)
        print(f"top-level modules installed: {', '.join(tops)}")
        if tops != ["jianghua"]:
            print("FAIL: `pip install .` must add exactly one top-level module, jianghua")
            failed = True
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    failed |= subprocess.run(["lint-imports", "--no-cache"], env=env, cwd=ROOT).returncode != 0
    found = cycles(ROOT)
    print(f"import cycles: {len(found)}")
    for c in found:
        print("  cycle: " + " ⇄ ".join(c))
    failed |= bool(found)
    priv = private_imports(ROOT)
    print(f"private names imported across modules: {len(priv)}")
    for p in priv:
        print("  " + p)
    failed |= bool(priv)
    print("architecture checks: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
