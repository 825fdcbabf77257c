"""Every URL pattern of the project as a concrete path, for tests that must cover every page and endpoint."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def routes(patterns=None, prefix=""):
    """``(route, parameter names)`` for every URL pattern, the routers' regex routes included."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        text = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern):
            yield prefix + text, list(entry.pattern.regex.groupindex)


def fill(route: str, values: dict[str, str], default: str) -> str | None:
    """A concrete path for ``route``: each parameter from ``values`` or ``default`` (None if it cannot be built)."""
    names = re.findall(r"\(\?P<(\w+)>", route) + re.findall(r"<(?:\w+:)?(\w+)>", route)
    if "format" in names:  # the ``.json`` suffix twins of the router's routes
        return None
    path = route.replace("^", "").replace("$", "").replace("\\Z", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: values.get(match.group(1), default), path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values.get(match.group(1), default), path)
    path = path.replace("\\.", ".").replace("/?", "/")
    if any(char in path for char in "()[]*+?\\^$") or "<" in path:
        return None
    return "/" + path


def all_paths(default: str, values: dict[str, str] | None = None, *, skip=("admin/", "static/")) -> list[str]:
    """Every page and endpoint (less the admin) with its parameters filled in."""
    paths = set()
    for route, _names in routes():
        if route.startswith(skip):
            continue
        path = fill(route, values or {}, default)
        if path is not None:
            paths.add(path)
    return sorted(paths)
