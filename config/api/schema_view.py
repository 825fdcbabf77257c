"""The schema view (a module of its own: drf-spectacular's views import the schema class, which
``config.api.schema`` defines)."""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView


class EnglishSchemaView(SpectacularAPIView):
    """The schema is documentation for other systems' developers: always in English."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        return response
