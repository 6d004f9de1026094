"""What an import did, for the command line, the upload page and the stored job."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

SHOWN_LINES = 30  # line numbers listed per warning kind; the count is always complete


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: int = 0  # data rows read (blank lines not counted)
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    # (line, code, text); rows with the same code and text are reported together, so texts name
    # the value (an unknown field) but not the row.
    warnings: list[tuple[int, str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    field_given: int = 0  # rows written with a field text
    field_mapped: int = 0  # ... of which matched the taxonomy
    error: str | None = None  # the file could not be imported at all

    @property
    def processed(self) -> int:
        return self.imported + self.updated + self.unchanged + len(self.skipped)

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append((line, reason))

    def warn(self, line: int, code: str, text: str) -> None:
        self.warnings.append((line, code, text))

    def warning_groups(self) -> list[dict]:
        """Warnings of one kind together: the message, how many rows, their first line numbers."""
        groups: OrderedDict[tuple[str, str], dict] = OrderedDict()
        for line, code, text in self.warnings:
            group = groups.setdefault((code, text), {"code": code, "text": text, "lines": [], "count": 0})
            group["count"] += 1
            if len(group["lines"]) < SHOWN_LINES:
                group["lines"].append(line)
        return list(groups.values())

    def counts_line(self) -> str:
        return _(
            "%(rows)d rows: %(imported)d imported, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d skipped.",
            rows=self.rows,
            imported=self.imported,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=len(self.skipped),
        )

    def field_line(self) -> str | None:
        if not self.field_given:
            return None
        return _(
            "Technical field recognised for %(mapped)d of %(given)d rows with a field (%(share).1f%%).",
            mapped=self.field_mapped,
            given=self.field_given,
            share=100 * self.field_mapped / self.field_given,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        data = dict(data)
        data["skipped"] = [tuple(s) for s in data.get("skipped", [])]
        data["warnings"] = [tuple(w) for w in data.get("warnings", [])]
        return cls(**data)

    def text_lines(self) -> list[str]:
        """The summary as plain text lines (the command line prints these)."""
        out = [self.counts_line()]
        if self.error:
            out.append(self.error)
        for note in self.notes:
            out.append(note)
        if self.ignored_columns:
            out.append(
                _(
                    "Ignored columns (not part of the import format): %(columns)s",
                    columns=", ".join(self.ignored_columns),
                )
            )
        if self.skipped:
            out.append(_("Skipped rows:"))
            out.extend(_("  line %(line)d: %(reason)s", line=line, reason=reason) for line, reason in self.skipped)
        groups = self.warning_groups()
        if groups:
            out.append(_("Imported with warnings:"))
            for g in groups:
                more = "…" if g["count"] > len(g["lines"]) else ""
                out.append(
                    ngettext(
                        "  %(text)s (%(num)d row: line %(lines)s%(more)s)",
                        "  %(text)s (%(num)d rows: lines %(lines)s%(more)s)",
                        g["count"],
                        text=g["text"],
                        lines=", ".join(map(str, g["lines"])),
                        more=more,
                    )
                )
        field = self.field_line()
        if field:
            out.append(field)
        return out
