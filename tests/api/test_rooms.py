"""GET /api/v1/rooms/{id}: a negotiation room for its members, as its page shows it; a 404 for
anyone else and before both sides agreed."""

from __future__ import annotations

from tests.api.conftest import make_token  # noqa: F401 (the fixture)
from tests.rooms.factory import PDF, make_room


def test_a_member_reads_the_room_and_no_one_else_does(client, query, make_token):  # noqa: F811
    def build(session):
        from webapp.rooms import services

        room = make_room(session)
        first = services.post_message(room.enterprise, room.intro, "样机周期多久？")
        services.post_message(room.researcher, room.intro, "约三个月", parent_id=first.id, upload=("计划.pdf", PDF))
        services.attach_file(room.broker, room.intro, ("纪要.pdf", PDF))
        waiting = make_room(session, agreed=False)
        session.commit()
        return room, waiting

    room, waiting = query(build)
    url = f"/api/v1/rooms/{room.intro.id}"
    body = client.http.get(url, headers={"Authorization": f"Bearer {make_token(room.researcher)}"}).get_json()
    assert [(m["body"], m["depth"]) for m in body["messages"]] == [("样机周期多久？", 0), ("约三个月", 1)]
    assert body["messages"][1]["files"][0]["filename"] == "计划.pdf"
    assert [f["filename"] for f in body["files"]] == ["纪要.pdf"]
    assert body["terms"]["version"] == 0 and body["terms"]["accepted_at"] is None
    assert room.secret not in str(body)

    for outsider in (room.outsiders.enterprise, room.outsiders.broker):
        answer = client.http.get(url, headers={"Authorization": f"Bearer {make_token(outsider)}"})
        assert answer.status_code == 404
    assert client.http.get(url).status_code == 401
    early = f"/api/v1/rooms/{waiting.intro.id}"
    assert (
        client.http.get(early, headers={"Authorization": f"Bearer {make_token(waiting.enterprise)}"}).status_code == 404
    )
