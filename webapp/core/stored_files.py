"""Files kept in the database — a challenge application's attachments, a deal's documents, a
negotiation room's files, a performance report's evidence: the columns every one of them has, and
how one is sent back."""

from __future__ import annotations

import hashlib
import io

from flask import Response, send_file

from webapp.core import clock


def columns(filename: str, content_type: str, data: bytes, user) -> dict:
    """The stored file's common columns: its name and type as checked at upload, its size and
    SHA-256, the bytes, who kept it and when."""
    return {
        "filename": filename,
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": data,
        "uploaded_by_id": user.id,
        "uploaded_at": clock.now(),
    }


def described(stored, url: str) -> dict:
    """What the API says of a stored file: its id, name, type, size, when it was kept and where it is
    downloaded (`url`)."""
    return {
        "id": stored.id,
        "filename": stored.filename,
        "content_type": stored.content_type,
        "size": stored.size,
        "uploaded_at": stored.uploaded_at,
        "url": url,
    }


def download(stored) -> Response:
    """The file as an attachment, with the type found at upload, no sniffing by the browser and no
    copy kept by a cache on the way."""
    response = send_file(
        io.BytesIO(stored.data),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
