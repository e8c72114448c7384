"""The grants plugin's figures for the funder (``hub_indicators``).

An application counts in the period it was submitted (amounts requested) or decided
(amounts awarded); a changed decision is never made, so figures of a past period stay.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from hub.contributions import Indicator
from hub_grants.i18n import _
from hub_grants.models import Application


def crowns(value) -> int:
    """A sum of money in whole CZK for the report (its files and JSON take numbers)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def indicators(request, start, end) -> list:
    db = request.dbsession
    requested = db.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Application.amount_requested), 0))
        .where(Application.submitted_at >= start, Application.submitted_at < end)).one()
    awarded = db.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Application.approved_amount), 0),
                  sa.func.count(sa.distinct(Application.organisation_id)))
        .where(Application.status == "approved", Application.decided_at >= start,
               Application.decided_at < end)).one()
    return [
        Indicator("grants_requested", _("Grant applications submitted"),
                  crowns(requested[1]), _("CZK"),
                  _("The sum of the amounts asked for in grant applications submitted in the "
                    "period (drafts not counted), in whole crowns, and their number."),
                  (("applications", _("Applications"), requested[0]),), order=110),
        Indicator("grants_awarded", _("Grants awarded"),
                  crowns(awarded[1]), _("CZK"),
                  _("The sum of the amounts the committee approved in the period (the approved "
                    "amount, which may be lower than the one requested) in whole crowns, with the "
                    "number of "
                    "grants and of organisations supported; applications not supported are "
                    "not counted."),
                  (("grants", _("Grants"), awarded[0]),
                   ("organisations", _("Organisations supported"), awarded[2])), order=111),
    ]
