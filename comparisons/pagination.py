"""Pagination that counts only as far as a reader can page.

Counting every public claim costs as much as reading them all (each must be checked for a
citation), and nobody pages through 500,000 claims. So the explorer counts up to a few pages past
the one asked for: the count is exact when the results end before that, and "more than N"
otherwise. The page itself comes from an index-ordered scan that stops after its last row, so
page 500 costs about what 12,500 rows cost, whatever the size of the knowledge base.
"""

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Pages counted beyond the requested one: enough for "next" links and a page count that holds.
LOOK_AHEAD = 10
# The deepest page shown; past it, narrow the filters or download (a bounded export).
MAX_PAGE = 1000


class BoundedPaginator(Paginator):
    """A Paginator whose count stops LOOK_AHEAD pages past `number` (the page asked for).

    `exact` says whether `count` is every result or only a lower bound. Over a list rather than
    a queryset, the count is the list's length, exact up to MAX_PAGE pages.
    """

    def __init__(self, object_list, per_page, number):
        super().__init__(object_list, per_page)
        try:
            self.requested = max(1, int(number))
        except (TypeError, ValueError):
            self.requested = 1  # validate_number() reports the bad value
        self.limit = (min(self.requested, MAX_PAGE) + LOOK_AHEAD) * self.per_page
        if not isinstance(object_list, QuerySet):  # a list in hand (the explorer's kept order)
            self.limit = min(len(object_list), MAX_PAGE * self.per_page)  # exact up to MAX_PAGE

    @cached_property
    def _found(self):
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        # Only the keys: the annotations of the claims shown need not be computed to count them.
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @property
    def count(self):
        return min(self._found, self.limit)

    @property
    def exact(self):
        return self._found <= self.limit

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > MAX_PAGE:
            raise EmptyPage(f"pages stop at {MAX_PAGE}")
        return number

    def error_message(self, requested):
        """Why the page `requested` (as typed) cannot be shown."""
        if self.requested > MAX_PAGE and not self.exact:
            return (
                f"Pages stop at {MAX_PAGE:,}: narrow the filters to reach these claims, or "
                "download them."
            )
        pages = f"{self.num_pages:,} page{'s' if self.num_pages != 1 else ''}"
        return (
            f"There is no page “{requested[:50]}” of these results: they have "
            f"{pages if self.exact else 'more than ' + pages}."
        )
