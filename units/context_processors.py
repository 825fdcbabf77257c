from .access import access_for_request


def access(request):
    """Expose the user's rights to templates so navigation shows only what they may open."""
    return {"access": access_for_request(request)}
