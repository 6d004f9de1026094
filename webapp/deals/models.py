"""The deal ledger. Money is whole 元 in BIGINT columns, never float.

A deal's state is not stored: it follows from its records (`Deal.state`, and `Deal.state_sql()` for
queries). What the database itself guarantees:
- every amount is positive; the money received (`received_total`, kept by the services in the same
  transaction as the payment row, with a conditional UPDATE) never exceeds the contract value;
- a registration has both its number (unique) and its date, and only a signed deal is registered;
- payments and registration only on signed deals; a cancelled deal has its reason.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from webapp.extensions import db


class ContractType(enum.Enum):
    DEVELOPMENT = "development"  # 技术开发
    TRANSFER = "transfer"  # 技术转让
    LICENCE = "licence"  # 技术许可
    CONSULTING = "consulting"  # 技术咨询
    SERVICE = "service"  # 技术服务

    @property
    def label(self) -> str:
        return str(CONTRACT_TYPE_LABELS[self])


CONTRACT_TYPE_LABELS = {
    ContractType.DEVELOPMENT: _l("Technology development"),
    ContractType.TRANSFER: _l("Technology transfer"),
    ContractType.LICENCE: _l("Technology licensing"),
    ContractType.CONSULTING: _l("Technology consulting"),
    ContractType.SERVICE: _l("Technology service"),
}


class DealState(enum.Enum):
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    REGISTERED = "registered"
    PAYING = "paying"
    PAID = "paid"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(DEAL_STATE_LABELS[self])


DEAL_STATE_LABELS = {
    DealState.NEGOTIATING: _l("Negotiating"),
    DealState.SIGNED: _l("Signed"),
    DealState.REGISTERED: _l("Registered"),
    DealState.PAYING: _l("Being paid"),
    DealState.PAID: _l("Paid in full"),
    DealState.CANCELLED: _l("Cancelled"),
}


class Deal(TimestampMixin, db.Model):
    """A technology contract between a need side (usually an enterprise) and a provider side (a
    university, institute or company), credited to a broker and their agency. It comes from an
    accepted introduction, from a challenge award, or is entered directly."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    # Where it came from (both empty: entered directly).
    introduction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("introductions.id", ondelete="SET NULL"), unique=True
    )
    challenge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challenges.id", ondelete="SET NULL"), index=True)
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challenge_awards.id", ondelete="SET NULL"), unique=True)
    # The need side (enterprise) and the provider side (institution or company).
    need_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    need_party: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    need_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    provider_org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    provider_party: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    provider_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    achievement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("achievements.id", ondelete="SET NULL"))
    # The technical field the district reports it under (from the achievement, need or challenge).
    field_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tech_fields.id", ondelete="SET NULL"), index=True)
    # The contract.
    contract_type: Mapped[ContractType] = mapped_column(enum_type(ContractType, "contract_type"), nullable=False)
    contract_value: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)  # 元
    received_total: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)  # 元, sum of payments
    signed_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    registration_no: Mapped[str | None] = mapped_column(sa.String(40), unique=True)  # 技术合同登记号
    registered_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # Who is credited.
    broker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    broker = relationship("User", foreign_keys=[broker_id], lazy="joined")
    agency = relationship("Organisation", foreign_keys=[agency_id], lazy="joined")
    field = relationship("TechField", foreign_keys=[field_id])
    introduction = relationship("Introduction")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="deal", order_by="(Payment.received_on, Payment.id)", passive_deletes=True
    )
    instalments: Mapped[list[PaymentInstalment]] = relationship(
        back_populates="deal", order_by="(PaymentInstalment.due_on, PaymentInstalment.id)", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint("contract_value > 0", name="value_positive"),
        sa.CheckConstraint("received_total >= 0 AND received_total <= contract_value", name="received_within_value"),
        sa.CheckConstraint("received_total = 0 OR signed_on IS NOT NULL", name="paid_only_when_signed"),
        sa.CheckConstraint("(registration_no IS NULL) = (registered_on IS NULL)", name="registration_complete"),
        sa.CheckConstraint(
            "registered_on IS NULL OR (signed_on IS NOT NULL AND registered_on >= signed_on)",
            name="registered_after_signing",
        ),
        sa.CheckConstraint("(cancelled_at IS NULL) = (cancel_reason IS NULL)", name="cancelled_has_reason"),
        sa.CheckConstraint("length(trim(need_party)) > 0 AND length(trim(provider_party)) > 0", name="parties_named"),
        # The dashboard: the ledger's version for its cache (latest change), and the few cancelled deals
        # left out of the money received.
        sa.Index("ix_deals_updated_at", "updated_at"),
        sa.Index(
            "ix_deals_cancelled",
            "id",
            sqlite_where=sa.text("cancelled_at IS NOT NULL"),
            postgresql_where=sa.text("cancelled_at IS NOT NULL"),
        ),
    )

    @hybrid_property
    def state(self) -> DealState:
        if self.cancelled_at is not None:
            return DealState.CANCELLED
        if self.received_total and self.received_total >= self.contract_value:
            return DealState.PAID
        if self.received_total:
            return DealState.PAYING
        if self.registered_on is not None:
            return DealState.REGISTERED
        if self.signed_on is not None:
            return DealState.SIGNED
        return DealState.NEGOTIATING

    @state.inplace.expression
    @classmethod
    def _state_expression(cls):
        def text(state: DealState):  # inlined, so that GROUP BY matches the selected expression
            return sa.literal_column(f"'{state.value}'", sa.String)

        zero = sa.literal_column("0", sa.BigInteger)
        return sa.case(
            (cls.cancelled_at.is_not(None), text(DealState.CANCELLED)),
            (sa.and_(cls.received_total > zero, cls.received_total >= cls.contract_value), text(DealState.PAID)),
            (cls.received_total > zero, text(DealState.PAYING)),
            (cls.registered_on.is_not(None), text(DealState.REGISTERED)),
            (cls.signed_on.is_not(None), text(DealState.SIGNED)),
            else_=text(DealState.NEGOTIATING),
        )

    @property
    def remaining(self) -> int:
        return self.contract_value - self.received_total

    @property
    def party_user_ids(self) -> set[int]:
        return {i for i in (self.need_user_id, self.provider_user_id) if i is not None}

    def __repr__(self) -> str:
        return f"<Deal {self.id} {self.contract_value}元 {self.state.value}>"


class PaymentInstalment(db.Model):
    """One line of a deal's payment schedule (what is due when); the schedule sums to at most the
    contract value."""

    __tablename__ = "deal_instalments"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), nullable=False, index=True)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)  # 元
    note: Mapped[str | None] = mapped_column(sa.String(500))

    deal: Mapped[Deal] = relationship(back_populates="instalments")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class Payment(db.Model):
    """Money received (到账) on a deal, with its date and evidence."""

    __tablename__ = "deal_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="RESTRICT"), nullable=False, index=True)
    received_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)  # 元
    evidence: Mapped[str | None] = mapped_column(sa.String(1000))  # bank slip number, invoice, …
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="payments")

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        # Period totals read only this index (date range, then deal and amount).
        sa.Index("ix_deal_payments_period", "received_on", "deal_id", "amount"),
    )


class DealFileKind(enum.Enum):
    """What a file on a deal proves."""

    CONTRACT = "contract"  # the signed contract
    REGISTRATION = "registration"  # the registration certificate (技术合同登记证明)
    PAYMENT = "payment"  # a bank slip or invoice for one payment
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(DEAL_FILE_KIND_LABELS[self])


DEAL_FILE_KIND_LABELS = {
    DealFileKind.CONTRACT: _l("Signed contract"),
    DealFileKind.REGISTRATION: _l("Registration certificate"),
    DealFileKind.PAYMENT: _l("Payment evidence"),
    DealFileKind.OTHER: _l("Other document"),
}


class DealFile(db.Model):
    """Evidence kept with a deal (in the database, so every process can serve it), its type sniffed
    from the content; a payment's evidence points at the payment."""

    __tablename__ = "deal_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), nullable=False, index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deal_payments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DealFileKind] = mapped_column(enum_type(DealFileKind, "deal_file_kind"), nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
        sa.CheckConstraint("length(trim(filename)) > 0", name="filename_not_blank"),
        sa.CheckConstraint("(kind = 'payment') = (payment_id IS NOT NULL)", name="payment_evidence_has_payment"),
    )


class TurnoverTarget(db.Model):
    """The district's technology-contract turnover target for a calendar year, in whole 元 (the 2022
    plan: 50亿元), set by an admin."""

    __tablename__ = "turnover_targets"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)  # 元
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


class LedgerRevision(db.Model):
    """One row counting the changes to the ledger: every ledger service adds one in its own
    transaction, so whatever order concurrent transactions commit in, each commit gives the figures
    read from the ledger a new version (the dashboard's cache key)."""

    __tablename__ = "ledger_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)

    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("number >= 0", name="number_not_negative"),
    )
