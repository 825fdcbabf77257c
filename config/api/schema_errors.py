"""The error answers every API operation may give, added to the OpenAPI schema in one place.

drf-spectacular documents the success answer of each operation; the errors come from shared
plumbing (authentication, permissions, lookups by code, the domain's conflicts, the NUL-byte
middleware, login throttling), so they are added here rather than on every view:

* 400: the request is malformed or breaks a rule (field messages, or ``detail``/``code``);
* 401 and 403: operations that need credentials;
* 404: operations on one object (a path with ``{…}``), and every one when a filter names nothing;
* 409: writes that can meet the dossier's current state or a concurrent change;
* 429: the token exchange, throttled by account and client (config/auth.py).
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong: `detail` (and a machine-readable `code`), or one list of messages per field.",
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "The request is malformed or breaks a rule; the answer names the fields.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "These credentials may not do this.",
    "404": "Nothing with this code or id, or nothing you may see.",
    "409": "The object's current state does not allow this, or it changed meanwhile.",
    "429": "Too many wrong passwords for this account from this client; see `Retry-After`.",
}
WRITES = {"post", "put", "patch", "delete"}
METHODS = WRITES | {"get", "head", "options"}


def _needs_credentials(operation: dict, schema: dict) -> bool:
    security = operation.get("security", schema.get("security"))
    return not (security is not None and all(not requirement for requirement in security))


def add_error_responses(result, generator, request, public):
    """``POSTPROCESSING_HOOKS`` entry: add the error answers above to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            codes = ["400", "404"]
            if _needs_credentials(operation, result):
                codes += ["401", "403"]
            if method in WRITES:
                codes.append("409")
            if path.endswith("/auth/token/"):
                codes.append("429")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": reference})
    return result
