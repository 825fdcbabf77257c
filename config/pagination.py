"""Bounded counts for broad lists: count up to a limit, never every row.

Django's paginator runs an exact ``SELECT COUNT(*)`` over everything a list matches, on every
visit. For the Government Office's dossier list that is every dossier in the country: 0.3 s at
5 million, about 6 s predicted at 100 million, on the primary (docs/scaling.md, "Measured
points", before the fixes; this count took 1.1 ms at every size measured since). Nobody pages
through ten thousand rows; they narrow the filters. So a bounded list counts at most
``limit + 1`` matching rows, in one query::

    SELECT COUNT(*) FROM (SELECT id FROM … WHERE … LIMIT limit + 1) subquery

- **At most ``limit`` rows match**: the count is exact and the paginator behaves exactly as
  Django's (pages, the last page, orphans).
- **More match**: the list says "more than ``limit``" (``count_is_exact`` is False). Pages are
  still numbered from 1 and every row stays reachable: a page fetches one row more than it
  shows to know whether a next page exists, so there is no last page to link to and no
  ``page X of Y``.

The limit is ``settings.TTHC_LIST_COUNT_LIMIT`` (10,000 unless configured). Figures that are
official — reports, exports, the statistics — never go through this: they count exactly.
"""

import math
from functools import cached_property

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator

# The largest OFFSET and LIMIT the databases take (a signed 64-bit integer).
MAX_OFFSET = 2**63 - 1


def bounded_count(object_list, limit: int) -> int:
    """The number of rows of ``object_list``, or ``limit + 1`` if it holds more.

    One query for a queryset: the ordering is dropped (a count needs none, and keeping it would
    make PostgreSQL sort every match before the ``LIMIT``) and the slice becomes a ``LIMIT`` in a
    subquery that Django wraps in ``COUNT(*)``. A list is measured with ``len``.
    """
    if hasattr(object_list, "order_by"):
        return object_list.order_by()[: limit + 1].count()
    return min(len(object_list), limit + 1)


class BoundedPage(Page):
    """A page of a ``BoundedPaginator``; when the count is not exact it knows its next page itself."""

    def __init__(self, object_list, number, paginator, has_next: bool | None = None):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        if self._has_next is None:
            return super().has_next()
        return self._has_next

    def end_index(self) -> int:
        """1-based index of the page's last row (Django's reads the total count, which may not be known)."""
        if self._has_next is None:
            return super().end_index()
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class BoundedPaginator(Paginator):
    """Django's paginator with a bounded count (module docstring).

    ``count`` is the exact number of rows when ``count_is_exact``; otherwise it is ``limit + 1``
    ("more than ``limit``"), and ``num_pages`` is then only the number of pages known to exist:
    those the ``limit + 1`` rows fill, and the page last read and its next (``?page=last`` goes
    there). ``limit`` defaults to ``settings.TTHC_LIST_COUNT_LIMIT``.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, limit=None, **kwargs):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page, **kwargs)
        self.limit = settings.TTHC_LIST_COUNT_LIMIT if limit is None else limit

    @cached_property
    def count(self) -> int:
        return bounded_count(self.object_list, self.limit)

    @property
    def count_is_exact(self) -> bool:
        """Whether ``count`` is the number of rows (False: more than ``limit`` rows match)."""
        return self.count <= self.limit

    @cached_property
    def num_pages(self) -> int:
        if self.count_is_exact:
            return super().num_pages
        return math.ceil(self.count / self.per_page)

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number * self.per_page + 1 > MAX_OFFSET:
            # An offset no database takes (SQLite: "datatype mismatch", PostgreSQL: "bigint out of
            # range"): no rows can be there, as for any page past the rows.
            raise EmptyPage(self.error_messages["no_results"])
        return number  # a page past the rows is found empty when read (``page``)

    def _get_page(self, *args, **kwargs):
        return BoundedPage(*args, **kwargs)

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])  # one more: is there a next page?
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        has_next = len(rows) > self.per_page
        # The pages known to exist now include this one and, if any, the next (DRF's page links).
        self.num_pages = max(self.num_pages, number + has_next)
        return BoundedPage(rows[: self.per_page], number, self, has_next=has_next)
