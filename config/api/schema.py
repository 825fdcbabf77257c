"""The OpenAPI schema: in English whatever the Accept-Language, with a summary and a description
for every operation (issue 13).

Summaries come from ``@extend_schema(summary=...)`` where a view gives one, else from the action
and the model ("List dossiers", "Dossier: request supplement"); descriptions from the docstrings.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

VERBS = {
    "list": "List {plural}",
    "retrieve": "Read one {singular}",
    "create": "Create a {singular}",
    "update": "Replace a {singular}",
    "partial_update": "Change a {singular}",
    "destroy": "Delete a {singular}",
}


class AutoSchema(SpectacularAutoSchema):
    def _names(self) -> tuple[str, str]:
        queryset = getattr(self.view, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is not None:
            return str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        name = type(self.view).__name__.removesuffix("ViewSet").removesuffix("View")
        return name, name

    def get_summary(self):
        summary = super().get_summary()
        if summary:
            return summary
        singular, plural = self._names()
        action = getattr(self.view, "action", None)
        if action in VERBS:
            return VERBS[action].format(singular=singular, plural=plural)
        if action:
            return f"{singular[:1].upper()}{singular[1:]}: {action.replace('_', ' ')}"
        first_line = (self.get_description() or "").strip().split("\n")[0]
        return first_line.split(". ")[0].rstrip(".") or f"{self.method} {singular}"

    def get_description(self):
        return super().get_description() or self.get_summary_fallback()

    def get_summary_fallback(self) -> str:
        singular, _plural = self._names()
        return f"{self.method} on {singular}."
