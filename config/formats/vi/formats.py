"""Vietnamese number formats: Django's, plus the grouping of thousands it leaves out.

Django's Vietnamese locale has "," for decimals and "." for thousands but no ``NUMBER_GROUPING``,
so ``floatformat:"0g"`` printed a fee as "1200000 đồng". Vietnamese official writing groups by
three: 1.200.000 đồng, 90,00%. (Dates: Django's own Vietnamese formats.)
"""

from django.conf.locale.vi.formats import *  # noqa: F403

NUMBER_GROUPING = 3
