"""Small helpers shared by the tests of every app."""

import datetime
from zoneinfo import ZoneInfo

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year, month, day, hour=10, minute=0):
    """An aware datetime in Hanoi time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HCM)


def act(service, **kwargs):
    """Call a dossier service at the moment of its ``at``, as an officer records a step as it happens.

    Officers may not date a step more than a few minutes back (only synchronised systems may), so a
    test that replays a history in the past travels to each step's time.
    """
    import time_machine

    at = kwargs.get("at")
    if at is None:
        return service(**kwargs)
    with time_machine.travel(at, tick=False):
        return service(**kwargs)
