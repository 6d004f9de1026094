"""企业技术需求: problems enterprises need solved."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from webapp.core.db import enum_type
from webapp.extensions import db
from webapp.listings.models import ListingMixin, Maturity

# The district part of an address such as 天津市津南区咸水沽镇….
_DISTRICT = re.compile(r"(?:省|市)([^省市\s]{1,5}?[区县])")
# Tianjin's districts as English pages name them; others are shown as written.
DISTRICTS_EN = {
    "津南区": "Jinnan District",
    "和平区": "Heping District",
    "河东区": "Hedong District",
    "河西区": "Hexi District",
    "南开区": "Nankai District",
    "河北区": "Hebei District",
    "红桥区": "Hongqiao District",
    "东丽区": "Dongli District",
    "西青区": "Xiqing District",
    "北辰区": "Beichen District",
    "武清区": "Wuqing District",
    "宝坻区": "Baodi District",
    "滨海新区": "Binhai New Area",
    "宁河区": "Ninghe District",
    "静海区": "Jinghai District",
    "蓟州区": "Jizhou District",
}


class Need(ListingMixin, db.Model):
    __tablename__ = "needs"
    KIND = "n"

    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    indicators: Mapped[str | None] = mapped_column(sa.Text)
    # Budget in 元; both empty means 面议 (negotiable).
    budget_min: Mapped[int | None] = mapped_column(sa.BigInteger)
    budget_max: Mapped[int | None] = mapped_column(sa.BigInteger)
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    # The least mature result that would still help (matching compares against achievements).
    expected_maturity: Mapped[Maturity | None] = mapped_column(enum_type(Maturity, "expected_maturity"))
    organisation_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    # Needs are de-identified in public unless the owner chooses to show who is asking.
    show_identity: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (
            *cls.listing_constraints(),
            *cls.amount_indexes("budget_min", "budget_max"),
            sa.CheckConstraint("budget_min IS NULL OR budget_min >= 0", name="budget_min_positive"),
            sa.CheckConstraint(
                "(budget_min IS NULL) = (budget_max IS NULL) AND (budget_min IS NULL OR budget_min <= budget_max)",
                name="budget_range",
            ),
            sa.CheckConstraint("length(trim(description)) > 0", name="description_not_blank"),
        )

    @property
    def organisation_label(self) -> str:
        return self.organisation.name if self.organisation else (self.organisation_name or "")

    @property
    def anonymous_label(self) -> str:
        """How the public sees who posted the need: 某企业（津南区）, or just 某企业 — the district
        is enough to place a need, not to name who asks."""
        from flask_babel import gettext as _

        address = self.organisation.address if self.organisation is not None else None
        match = _DISTRICT.search(address or "")
        if match:
            from webapp.core.formatting import is_chinese

            district = match.group(1)
            if not is_chinese():
                district = DISTRICTS_EN.get(district, district)
            return _("An enterprise (%(district)s)", district=district)
        return _("An enterprise")

    def can_see_identity(self, user) -> bool:
        """Who posted the need and how to reach them: public only if the owner chose so."""
        return self.show_identity or self.may_know_poster(user)

    def may_know_poster(self, user) -> bool:
        """Who knows the poster whatever the public sees: its own enterprise, brokers and admins."""
        if user is None or not user.is_authenticated:
            return False
        from webapp.accounts.models import Role

        return self.can_edit(user) or user.role in (Role.BROKER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.title[:20]}>"
