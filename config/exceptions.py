"""Domain exceptions shared by the apps' services.

Services raise Django's ``ValidationError`` for bad input (shown per field in forms and as a 400
in the API) and ``ConflictError`` when the request was valid but the state of the data forbids it
(another officer acted first, a transition is no longer allowed): a 409 in the API.
"""


class ConflictError(Exception):
    """The action cannot be applied to the current state of the data."""

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code
