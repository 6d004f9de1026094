from webapp.achievements.models import Achievement
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.needs.models import Need


def add(app, model, title, **fields):
    with app.app_context():
        listing = model(title=title, status=ListingStatus.SUBMITTED, **fields)
        db.session.add(listing)
        db.session.commit()
        return listing.id


def test_queue_filters_by_kind_and_title(app, client, make_user):
    add(app, Achievement, "固态电解质膜制备方法", summary="一种固态电解质")
    add(app, Achievement, "海水淡化反渗透膜", summary="反渗透")
    add(app, Need, "电解质膜国产化需求", description="需要电解质膜")
    client.login(make_user("admin").email)

    page = client.get("/admin/moderation/?q=电解质").get_data(as_text=True)
    assert "固态电解质膜制备方法" in page and "电解质膜国产化需求" in page
    assert "海水淡化反渗透膜" not in page

    page = client.get("/admin/moderation/?q=电解质&kind=n").get_data(as_text=True)
    assert "电解质膜国产化需求" in page and "固态电解质膜制备方法" not in page

    page = client.get("/admin/moderation/?q=100%25").get_data(as_text=True)
    assert "固态电解质膜制备方法" not in page
