"""The counselling plugin's figures for the funder (``hub_indicators``).

A case counts as answered in the period of its first reply to the asker; later replies
do not count again. Cases are erased some years after closing (``counselling.
retention_days``), so a report for a long-past period counts only the cases still kept.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import Indicator
from hub_counselling.i18n import _
from hub_counselling.models import Case
from hub_counselling.services import CATEGORY_LABELS


def indicators(request, start, end) -> list:
    rows = request.dbsession.execute(
        sa.select(Case.category, sa.func.count())
        .where(Case.first_reply_at >= start, Case.first_reply_at < end)
        .group_by(Case.category).order_by(Case.category)).all()
    return [
        Indicator("counselling_cases_answered", _("Counselling cases answered"),
                  sum(n for _category, n in rows), _("cases"),
                  _("Questions from the public that a counsellor first answered in the "
                    "period, by topic. A case counts once, in the period of its first reply; "
                    "cases erased after their retention period are no longer counted."),
                  tuple((category, CATEGORY_LABELS.get(category, category), n)
                        for category, n in rows),
                  order=90),
    ]
