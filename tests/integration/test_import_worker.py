"""An uploaded file is imported by a real Celery worker on a real Redis, and the page follows it."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.conftest import Client, wait_for
from tests.imports.conftest import achievement, write_csv

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("celery")]


def test_an_uploaded_file_is_imported_by_the_worker(redis_app, celery_worker, make_live_user, tmp_path):
    admin = make_live_user("admin")
    client = Client(redis_app)
    client.login(admin.email)
    tag = uuid.uuid4().hex[:8]
    rows = [achievement(n, external_id=f"worker-{tag}-{n}", title=f"工人导入成果{tag}{n}") for n in range(1, 4)]
    rows.append(achievement(4, external_id=f"worker-{tag}-4", title=""))
    path = write_csv(tmp_path / "worker.csv", rows)

    response = client.post(
        "/imports/",
        {
            "kind": "achievements",
            "status": "published",
            "mapping": "",
            "file": (io.BytesIO(path.read_bytes()), path.name),
        },
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    status_url = response.headers["Location"] + "/status"
    done = wait_for(lambda: (client.get(status_url).get_json() or {}).get("finished"))
    assert done, "the worker did not finish the import:\n" + celery_worker.output()[-3000:]
    status = client.get(status_url).get_json()
    assert status["status"] == "done" and status["processed"] == status["total"] == 4
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="count-imported">3<' in page and 'id="count-skipped">1<' in page
    assert "title: 请填写标题。" in page
    assert "imports.run_job" in celery_worker.output()
