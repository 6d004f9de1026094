"""Work a request queued runs once its response is sent, over a real HTTP server, even when the
client drops the connection as soon as it has read the answer."""

import json
import socket
import struct
import uuid
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import wait_for
from tests.imports.conftest import need, write_csv
from webapp.accounts import tokens
from webapp.extensions import db
from webapp.imports.models import ImportJob, JobStatus

pytestmark = pytest.mark.live


def _post_then_reset(base_url: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
    """POST over a raw socket, read the whole answer, then reset the connection (as a browser that
    navigates on may): a few stray bytes after the request keep the server reading when it happens."""
    address = urlsplit(base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=60)
    head = [f"POST {path} HTTP/1.1", f"Host: {address.netloc}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body + b"\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    header_block, rest = answer.split(b"\r\n\r\n", 1)
    lines = header_block.decode().split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(rest) < int(fields["content-length"]):
        rest += sock.recv(65536)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    sock.close()
    return int(lines[0].split()[1]), json.loads(rest)


def test_an_import_sent_through_the_api_runs_although_the_client_reset_the_connection(
    live_app, live_server, make_live_user, tmp_path
):
    admin = make_live_user("admin")
    with live_app.app_context():
        _token, plaintext = tokens.create_token(db.session.merge(admin), "导入", "read write")
        db.session.commit()
    uid = uuid.uuid4().hex[:8]
    rows = [need(n, external_id=f"reset-{uid}-{n}", title=f"断开连接后的需求{uid}-{n}") for n in (1, 2, 3)]
    content = write_csv(tmp_path / "需求.csv", rows).read_bytes()
    upload = FileStorage(BytesIO(content), filename="需求.csv", content_type="text/csv")
    boundary, body = encode_multipart({"kind": "needs", "file": upload})

    status, job = _post_then_reset(
        live_server,
        "/api/v1/imports",
        {"Authorization": f"Bearer {plaintext}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        body,
    )
    assert status == 202, job

    def finished():
        with live_app.app_context():
            found = db.session.get(ImportJob, job["id"])
            return found if found.status.finished else None

    done = wait_for(finished)
    assert done is not None, "the import was never run"
    assert done.status is JobStatus.DONE
    assert done.processed == 3
