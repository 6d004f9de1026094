"""The technical-field taxonomy: national high-tech areas with the district's priority fields under them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import TimestampMixin
from webapp.extensions import db


class TechField(TimestampMixin, db.Model):
    __tablename__ = "tech_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    name_en: Mapped[str | None] = mapped_column(sa.String(80))  # shown on English pages when given
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tech_fields.id", ondelete="RESTRICT"), index=True)
    # Other names the same field goes by in imported lists (e.g. 装备制造 for 先进制造与自动化).
    aliases: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    priority: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(nullable=False, default=0)

    parent: Mapped[TechField | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[TechField]] = relationship(back_populates="parent", order_by="TechField.position")

    __table_args__ = (
        sa.UniqueConstraint("parent_id", "name", name="uq_tech_fields_parent_name"),
        # The constraint above never fires for top-level fields (NULLs differ), hence this index.
        sa.Index(
            "uq_tech_fields_top_name",
            "name",
            unique=True,
            sqlite_where=sa.text("parent_id IS NULL"),
            postgresql_where=sa.text("parent_id IS NULL"),
        ),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    @property
    def display_name(self) -> str:
        """The name in the page's language: the English one on English pages when there is one."""
        from flask import has_request_context

        from webapp.core.formatting import is_chinese

        if self.name_en and has_request_context() and not is_chinese():
            return self.name_en
        return self.name

    @property
    def label(self) -> str:
        return f"{self.parent.display_name} · {self.display_name}" if self.parent else self.display_name

    def __repr__(self) -> str:
        return f"<TechField {self.code} {self.name}>"
