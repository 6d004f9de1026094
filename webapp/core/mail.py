"""Outgoing e-mail: SMTP in production, .eml files in a folder during development and tests."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app


def build_message(
    *, to: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    """`headers`: extra ones such as List-Unsubscribe; messages queued without them stay valid."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(idstring=message_key, domain="jiebang.local")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


def deliver(*, to: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None) -> str:
    """Send one message. A folder delivery is keyed by message_key, so a retry rewrites one file."""
    cfg = current_app.config
    msg = build_message(to=to, subject=subject, body=body, message_key=message_key, headers=headers)
    if cfg.get("MAIL_SERVER"):
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(msg)
        return f"smtp:{to}"
    folder = Path(cfg["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message_key}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(msg))
    tmp.replace(path)
    return str(path)
