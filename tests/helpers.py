"""Small helpers shared by the tests of every app."""

import datetime
from zoneinfo import ZoneInfo

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year, month, day, hour=10, minute=0):
    """An aware datetime in Hanoi time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HCM)
