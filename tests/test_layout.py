"""The layout's rules, checked on the source: every import points down the one layer order in
chalicelib/__init__.py (imports inside functions too), no modules import each other in a
circle, domain code knows nothing of HTTP, a page never serves another package's page, and
app.py and the routes modules only wire."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chalicelib import LAYERS, floor_name, floor_of, is_http_module, is_page_module

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chalicelib"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, name: str, is_package: bool = False) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in `source` (module `name`), inside
    functions too, relative ones resolved; `from x import y` counts as importing x.y too
    (y may be a module)."""
    found: list[tuple[str, int]] = []
    package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _known(target: str, modules: set[str]) -> str | None:
    """The chalicelib module `target` names (`from .x import f` names x.f: that is x)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def violations(name: str, imported: list[tuple[str, int]], path: str = "") -> list[str]:
    """What module `name` may not import, each as `file:line: rule`."""
    parts = name.split(".")
    where = path or name.replace(".", "/") + ".py"
    in_web = len(parts) > 1 and parts[1] == "web"
    http = is_http_module(name) or name == "app"
    problems = []
    for target, line in sorted(set(imported), key=lambda found: (found[1], found[0])):
        target_parts = target.split(".")
        said = f"{where}:{line}: {name} imports {target}"
        if target_parts[0] == "chalice" and not (http or in_web):
            problems.append(f"{said} — domain code knows nothing of Chalice")
        if target_parts[0] != "chalicelib":
            continue
        if floor_of(target) > floor_of(name):
            problems.append(f"{said} — {floor_name(floor_of(name))} may not import up the layer "
                            f"order to {floor_name(floor_of(target))}")
        if target.startswith("chalicelib.web") and not (http or in_web):
            problems.append(f"{said} — domain code never imports the web layer")
        if is_page_module(target) and not is_page_module(name) and name != "app" and \
                target_parts[-1] != "routes" and not name.endswith(".routes"):
            problems.append(f"{said} — only pages and routes import a page module")
        if is_page_module(target) and is_page_module(name) and target_parts[:2] != parts[:2]:
            problems.append(f"{said} — a page never imports another package's pages")
    return problems


def all_modules() -> list[tuple[str, str, list[tuple[str, int]]]]:
    paths = [*sorted(PACKAGE.rglob("*.py")), ROOT / "app.py"]
    return [(module_name(path), str(path.relative_to(ROOT)),
             imports_of(path.read_text(encoding="utf-8"), module_name(path),
                        path.name == "__init__.py")) for path in paths]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or the long way round
    (Tarjan's strongly connected components of more than one module, or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    names = {name for name, _, _ in modules}
    graph: dict[str, set[str]] = {}
    for name, _, imported in modules:
        targets = {_known(target, names) for target, _ in imported}
        # a package's __init__ is not an edge back to its own modules' importer
        graph[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
    return graph


def test_every_import_points_down_the_layer_order():
    problems = [p for name, path, imported in all_modules()
                for p in violations(name, imported, path)]
    assert problems == [], "\n" + "\n".join(problems)


def test_no_modules_import_each_other_in_a_circle():
    assert circles(import_graph()) == []


def test_every_package_has_its_floor_and_says_what_it_owns():
    floors = [name for name, _ in LAYERS]
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert sorted(floors) == packages, "every package of chalicelib/ has one place in LAYERS"
    for package in packages:
        docstring = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py")
                                                .read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 40, f"{package}/__init__.py says nothing"
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py"]  # nothing flat


def test_the_readme_layout_table_follows_the_layer_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `chalicelib/(\w+)/` \|", readme, flags=re.MULTILINE)
    assert rows == [name for name, _ in LAYERS][::-1], \
        "the README's layout table lists chalicelib's packages top floor first, as LAYERS"


@pytest.mark.parametrize("name,source,expected", [
    ("chalicelib.delivery.sending", "from chalice.app import Response", "nothing of Chalice"),
    ("chalicelib.delivery.sending", "from ..web import cookies", "never imports the web"),
    ("chalicelib.delivery.sending", "from ..questionnaire import pages", "only pages and routes"),
    ("chalicelib.delivery.pages", "from ..questionnaire.pages import review",
     "another package's pages"),
    ("chalicelib.platform.mail", "from ..accounts import registrants", "up the layer order"),
    ("chalicelib.web.access", "from ..helpdesk import pages", "up the layer order"),
    ("chalicelib.web.sessions", "from ..accounts import signins", "up the layer order"),
    ("chalicelib.accounts.links", "def f():\n    from ..helpdesk import reminders\n",
     "up the layer order"),
    ("chalicelib.delivery.views", "from ..publication import document", "up the layer order"),
    ("chalicelib.helpdesk.season_pages", "from ..delivery.view_pages import x",
     "another package's pages"),
    ("chalicelib.questionnaire.journey", "from ..accounts import access", "up the layer order"),
])
def test_the_rule_catches_each_kind_of_violation(name, source, expected):
    problems = violations(name, imports_of(source, name))
    assert any(expected in problem for problem in problems), problems
    line = source.count("\n", 0, source.index("from")) + 1
    assert all(p.startswith(f"{name.replace('.', '/')}.py:{line}: ") for p in problems)


def test_the_rule_allows_what_the_layout_intends():
    allowed = [
        ("chalicelib.delivery.pages", "from chalice.app import Request\nfrom .. import web\n"
                                      "from ..questionnaire import display\n"
                                      "from ..publication import targets\n"
                                      "from ..accounts import access"),
        ("chalicelib.questionnaire.access", "from ..accounts import access\n"
                                            "from ..web import errors"),
        ("chalicelib.delivery.sending", "from ..questionnaire import answers\n"
                                        "from ..platform import audit"),
        ("chalicelib.helpdesk.season_pages", "from chalice.app import Request\n"
                                             "from .access import require\n"
                                             "from .pages import x"),
        ("chalicelib.helpdesk.routes", "from chalice import Blueprint\n"
                                       "from . import season_pages"),
    ]
    for name, source in allowed:
        assert violations(name, imports_of(source, name)) == []


def test_a_circle_is_found_however_long_the_way_round():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def _only_wires(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                                 and isinstance(s.value, ast.Constant))]
            assert len(body) == 1 and isinstance(body[0], ast.Return) and \
                isinstance(body[0].value, ast.Call), f"{path.name}: {node.name} does more than wire"
        else:
            assert isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.Expr)), \
                f"{path} line {node.lineno}: only imports, settings and routes belong here"


def test_app_and_the_routes_only_wire_routes_to_pages():
    routes = sorted(PACKAGE.rglob("routes.py"))
    assert len(routes) >= 5, "each domain with pages has its blueprint"
    for path in [ROOT / "app.py", *routes]:
        _only_wires(path)


def _test_module_imports(name: str, source: str) -> list[str]:
    """The test modules (and conftest) that module `name` imports."""
    def is_test_module(found: str) -> bool:
        parts = found.split(".")
        return len(parts) >= 2 and parts[0] == "tests" and (
            parts[-1] == "conftest" or parts[-1].startswith("test_")
            or any(part.startswith("test_") for part in parts[1:]))

    return sorted({found for found, _ in imports_of(source, name) if is_test_module(found)})


def test_no_test_module_imports_another():
    """Shared fixtures, builders and flows live in tests/support; a test module is never a
    library for another one (nor is conftest)."""
    for name, source in [("tests.test_a", "from tests.test_send import send"),
                         ("tests.test_a", "import tests.test_registration"),
                         ("tests.test_a", "from tests import conftest"),
                         ("tests.test_a", "from . import test_send"),
                         ("tests.delivery.test_a", "from tests.accounts.test_b import x"),
                         ("tests.conftest", "def f():\n    from tests.conftest import PASSWORD")]:
        assert _test_module_imports(name, source), source  # the check itself sees each form
    assert _test_module_imports("tests.test_a", "from tests.support.flows import send\n"
                                                "from tests.support import answers") == []
    tests = ROOT / "tests"
    checked = [*sorted(tests.rglob("test_*.py")), *sorted(tests.rglob("conftest.py"))]
    assert len(checked) > 10
    offenders = {}
    for path in checked:
        found = _test_module_imports(module_name(path), path.read_text(encoding="utf-8"))
        if found:
            offenders[path.name] = found
    assert offenders == {}, f"move what these share to tests/support: {offenders}"
