"""Durable statistics: daily counts that outlive the cases, links and requests they count."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model


class StatCount(Model):
    """How many times ``metric`` happened for ``key`` on ``day`` (a day in Korea).

    Written in the transaction of the event it counts (portal/stats/record.py), so purging a
    case later takes nothing away. A metric's key is a code (a harm type, a filer, a
    platform) or a histogram bucket (``urgent:5``: five to six hours); never a case. Each
    (day, metric, key) has a few ``shard`` rows, one picked at random per write, so filings
    on many instances do not queue behind one row lock; readers add them up.
    """

    __tablename__ = "stat_counts"

    metric: Mapped[str] = mapped_column(String(30), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
