import pytest

from webapp.accounts import tokens
from webapp.extensions import db


@pytest.fixture
def make_token(app):
    """The plaintext of a new read token of `user`."""

    def make(user, scopes: str = "read") -> str:
        with app.app_context():
            _token, plaintext = tokens.create_token(db.session.merge(user), "测试", scopes)
            db.session.commit()
        return plaintext

    return make
