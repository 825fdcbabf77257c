"""The map of the apps holds: no app imports from an app above it.

The project's apps are listed in ``INSTALLED_APPS`` bottom to top (units → procedures → workdays
→ notifications → dossiers → feedback → stats → emulation → dashboards → demo, then the apps later
issues add). An app may import from the apps below it and from ``config``; an import of an app
above it is a defect unless it is on ``ALLOWED_UPWARD`` with the reason. Tests and migrations are
not checked: a test may set up data through a higher app's services, and a migration names apps by
label only.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# (importing module, imported app) -> why the upward import is acceptable. Keep this short.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}


def project_apps() -> list[str]:
    """The project's own apps, bottom to top, as settings list them."""
    return [app for app in settings.INSTALLED_APPS if "." not in app and (ROOT / app / "apps.py").exists()]


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        yield ".".join(relative.with_suffix("").parts), path


def _imported_apps(path: Path, module: str, apps: set[str]) -> set[tuple[str, int]]:
    """The project apps ``path`` imports, with the line of each import (relative imports resolved)."""
    found = set()
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
        for name in names:
            top = name.split(".")[0]
            if top in apps:
                found.add((top, node.lineno))
    return found


def upward_imports() -> list[str]:
    apps = project_apps()
    layer = {app: index for index, app in enumerate(apps)}
    problems = []
    for app in apps:
        for module, path in _modules(app):
            for imported, line in sorted(_imported_apps(path, module, set(apps))):
                if layer[imported] > layer[app] and (module, imported) not in ALLOWED_UPWARD:
                    problems.append(f"{path.relative_to(ROOT)}:{line} imports {imported}, which is above {app}")
    return problems


def test_the_layers_are_the_documented_ones():
    assert project_apps()[:10] == [
        "units",
        "procedures",
        "workdays",
        "notifications",
        "dossiers",
        "feedback",
        "stats",
        "emulation",
        "dashboards",
        "demo",
    ]


def test_no_app_imports_from_an_app_above_it():
    assert upward_imports() == []


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    # Given a module of units that imports dossiers (a made-up file in a copy of the layout)
    for app in project_apps():
        (tmp_path / app).mkdir()
        (tmp_path / app / "apps.py").write_text("")
    (tmp_path / "units" / "bad.py").write_text("from dossiers.models import Dossier\nfrom . import apps\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)

    # Then the check names the file, the line and the layers
    assert upward_imports() == ["units/bad.py:1 imports dossiers, which is above units"]


def test_every_allowed_upward_import_still_exists():
    apps = set(project_apps())
    present = set()
    for app in apps:
        for module, path in _modules(app):
            present |= {(module, imported) for imported, _ in _imported_apps(path, module, apps)}
    assert set(ALLOWED_UPWARD) <= present


def test_config_imports_no_app_except_the_url_root():
    # config/ is the floor every app stands on (settings, API plumbing, forms); only the URL root
    # puts the apps together.
    apps = set(project_apps())
    problems = []
    for path in sorted((ROOT / "config").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.as_posix() == "config/urls.py":
            continue
        module = ".".join(relative.with_suffix("").parts)
        problems += [f"{relative}:{line} imports {app}" for app, line in sorted(_imported_apps(path, module, apps))]
    assert problems == []
