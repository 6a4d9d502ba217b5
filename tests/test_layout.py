"""The layout's rules, checked on the source: domain code knows nothing of HTTP, a page never
serves as a library to another domain's page, platform stands on nothing above it, and app.py
only wires routes to pages."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chalicelib"
DOMAINS = ("accounts", "questionnaire", "delivery", "publication", "helpdesk")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, name: str, is_package: bool = False) -> set[str]:
    """Absolute names of every module `source` (module `name`) imports, relative ones
    resolved; `from x import y` counts as importing x.y too (y may be a module)."""
    found: set[str] = set()
    package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def is_page_module(name: str) -> bool:
    """A domain's pages: `<domain>/pages.py`, or `<domain>/<topic>_pages.py` where a domain
    has more pages than one module should hold."""
    last = name.split(".")[-1]
    return last == "pages" or last.endswith("_pages")


def violations(name: str, imported: set[str]) -> list[str]:
    """What module `name` may not import, by the layout's rules."""
    parts = name.split(".")
    is_page = is_page_module(name)
    in_web = len(parts) > 1 and parts[1] == "web"
    problems = []
    for target in sorted(imported):
        target_parts = target.split(".")
        if not (is_page or in_web):
            if target_parts[0] == "chalice":
                problems.append(f"{name} is domain code but imports {target}")
            if target.startswith("chalicelib.web"):
                problems.append(f"{name} is domain code but imports the web layer {target}")
            if is_page_module(target):
                problems.append(f"{name} is domain code but imports the page module {target}")
        if is_page and is_page_module(target) and target_parts[:2] != parts[:2]:
            problems.append(f"{name} imports another domain's pages: {target}")
        if in_web and is_page_module(target):
            problems.append(f"{name} is plumbing but imports the page module {target}")
        if len(parts) > 1 and parts[1] == "platform" and target.startswith("chalicelib.") and \
                target_parts[1] != "platform":
            problems.append(f"{name} is platform code but imports {target}")
    return problems


def all_modules() -> list[tuple[str, set[str]]]:
    return [(module_name(path), imports_of(path.read_text(encoding="utf-8"), module_name(path),
                                           path.name == "__init__.py"))
            for path in sorted(PACKAGE.rglob("*.py"))]


def test_domain_code_never_imports_chalice_the_web_layer_or_a_page():
    problems = [p for name, imported in all_modules() for p in violations(name, imported)]
    assert problems == []


def test_every_domain_is_a_package_that_says_what_it_owns():
    for package in (*DOMAINS, "web", "platform"):
        init = PACKAGE / package / "__init__.py"
        assert init.is_file(), package
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 40, f"{package}/__init__.py says nothing"
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py"]  # nothing flat


@pytest.mark.parametrize("name,source,expected", [
    ("chalicelib.delivery.sending", "from chalice.app import Response", "imports chalice"),
    ("chalicelib.delivery.sending", "from ..web import sessions", "imports the web layer"),
    ("chalicelib.delivery.sending", "from ..questionnaire import pages", "imports the page"),
    ("chalicelib.delivery.pages", "from ..questionnaire.pages import review",
     "another domain's pages"),
    ("chalicelib.platform.mail", "from ..accounts import registrants", "platform code"),
    ("chalicelib.web.access", "from ..helpdesk import pages", "plumbing"),
    ("chalicelib.delivery.views", "from ..helpdesk import season_pages", "imports the page"),
    ("chalicelib.helpdesk.season_pages", "from ..delivery.view_pages import x",
     "another domain's pages"),
])
def test_the_rule_catches_each_kind_of_violation(name, source, expected):
    problems = violations(name, imports_of(source, name))
    assert problems and expected in problems[0]


def test_the_rule_allows_what_the_layout_intends():
    allowed = [
        ("chalicelib.delivery.pages", "from chalice.app import Request\nfrom .. import web\n"
                                      "from ..questionnaire import display"),
        ("chalicelib.web.access", "from ..questionnaire import journey"),
        ("chalicelib.delivery.sending", "from ..questionnaire import answers"),
        ("chalicelib.helpdesk.season_pages", "from chalice.app import Request\n"
                                             "from .pages import require"),
    ]
    for name, source in allowed:
        assert violations(name, imports_of(source, name)) == []


def test_app_only_wires_routes_to_pages():
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                                 and isinstance(s.value, ast.Constant))]
            assert len(body) == 1 and isinstance(body[0], ast.Return) and \
                isinstance(body[0].value, ast.Call), f"app.{node.name} does more than wire"
        else:
            assert isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.Expr)), \
                f"app.py line {node.lineno}: only imports, settings and routes belong here"


def _test_module_imports(name: str, source: str) -> list[str]:
    """The test modules (and conftest) that module `name` imports."""
    def is_test_module(found: str) -> bool:
        parts = found.split(".")
        return len(parts) >= 2 and parts[0] == "tests" and (
            parts[1] == "conftest" or parts[1].startswith("test_"))

    return sorted(found for found in imports_of(source, name) if is_test_module(found))


def test_no_test_module_imports_another():
    """Shared fixtures, builders and flows live in tests/support; a test module is never a
    library for another one (nor is conftest)."""
    for name, source in [("tests.test_a", "from tests.test_send import send"),
                         ("tests.test_a", "import tests.test_registration"),
                         ("tests.test_a", "from tests import conftest"),
                         ("tests.test_a", "from . import test_send"),
                         ("tests.conftest", "def f():\n    from tests.conftest import PASSWORD")]:
        assert _test_module_imports(name, source), source  # the check itself sees each form
    assert _test_module_imports("tests.test_a", "from tests.support.flows import send\n"
                                                "from tests.support import answers") == []
    tests = ROOT / "tests"
    checked = [*sorted(tests.glob("test_*.py")), tests / "conftest.py"]
    assert len(checked) > 10
    offenders = {}
    for path in checked:
        found = _test_module_imports(module_name(path), path.read_text(encoding="utf-8"))
        if found:
            offenders[path.name] = found
    assert offenders == {}, f"move what these share to tests/support: {offenders}"
