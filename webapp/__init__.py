"""Jiebang: the technology-transfer matchmaking platform of Jinnan District, Tianjin."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_login import current_user

from config import CONFIGS, INSTANCE_DIR

BASE_DIR = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config_name = config_name or os.environ.get("JIEBANG_ENV", "development")
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides)
    app.json.ensure_ascii = False
    from webapp.core import boundary

    boundary.install(app)  # before any route: the bounded <int:...> converter
    if app.config.get("RATELIMIT_STORAGE_URI") is None:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    if app.config["RATELIMIT_STORAGE_URI"].startswith("jiebang://"):
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
            "redis_url": app.config.get("REDIS_URL"),
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }

    from webapp.core.security import ensure_secret_key, register_headers

    ensure_secret_key(app, Path(app.instance_path))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    init_extensions(app)
    connect_domains()
    register_headers(app)
    register_blueprints(app)
    register_template_helpers(app)
    from webapp.dashboard import warming

    warming.init_app(app)  # the dashboard's shared figures follow the deals' ledger

    from webapp.core.errors import register_error_handlers

    register_error_handlers(app)

    from webapp.cli import register_cli

    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):  # no cookies on the API: its language is Accept-Language's
        return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.cookies.get("lang")
    if lang in languages:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_extensions(app: Flask) -> None:
    # Every model module is imported so the metadata (and Alembic) sees every table.
    import webapp.core.ratelimit  # noqa: F401 - registers the jiebang:// rate-limit storage
    import webapp.models  # noqa: F401
    from webapp.core.celery import celery_init_app
    from webapp.core.db import configure_sqlite
    from webapp.core.outbox import register_request_hook
    from webapp.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_sqlite(engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    bootstrap.init_app(app)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from webapp.accounts.services import load_user_from_session_token

    login_manager.user_loader(load_user_from_session_token)

    celery_init_app(app)
    import webapp.challenges.tasks  # noqa: F401
    import webapp.core.tasks  # noqa: F401
    import webapp.dashboard.tasks  # noqa: F401
    import webapp.imports.tasks  # noqa: F401
    import webapp.matching.tasks  # noqa: F401
    import webapp.notifications.tasks  # noqa: F401
    import webapp.performance.tasks  # noqa: F401
    import webapp.subscriptions.tasks  # noqa: F401

    register_request_hook(app)
    from webapp.core import embedded_beat

    embedded_beat.install(app)


def connect_domains() -> None:
    """What lower packages need from higher ones, connected here rather than by imports: the listing
    kinds, the receivers of the listings' signals, each domain's audit labels and notification texts.
    Safe to run again (each app the tests make)."""
    from webapp.accounts import texts as accounts_texts
    from webapp.achievements import texts as achievements_texts
    from webapp.achievements.models import Achievement
    from webapp.challenges import texts as challenges_texts
    from webapp.deals import texts as deals_texts
    from webapp.dedupe import subscribers as dedupe_subscribers
    from webapp.dedupe import texts as dedupe_texts
    from webapp.imports import texts as imports_texts
    from webapp.listings import kinds
    from webapp.listings import texts as listings_texts
    from webapp.matching import subscribers as matching_subscribers
    from webapp.matching import texts as matching_texts
    from webapp.needs import texts as needs_texts
    from webapp.needs.models import Need
    from webapp.notifications import texts as notifications_texts
    from webapp.performance import subscribers as performance_subscribers
    from webapp.performance import texts as performance_texts
    from webapp.rooms import terms as room_terms
    from webapp.rooms import texts as rooms_texts
    from webapp.subscriptions import subscribers as subscription_subscribers
    from webapp.subscriptions import texts as subscriptions_texts
    from webapp.taxonomy import texts as taxonomy_texts

    kinds.register(Achievement)
    kinds.register(Need)
    dedupe_subscribers.register()
    matching_subscribers.register()
    room_terms.register()  # the room's acceptance of the 保密承诺 opens an achievement's confidential part
    subscription_subscribers.register()
    performance_subscribers.register()
    for texts in (
        accounts_texts,
        notifications_texts,
        taxonomy_texts,
        listings_texts,
        achievements_texts,
        needs_texts,
        dedupe_texts,
        imports_texts,
        matching_texts,
        challenges_texts,
        deals_texts,
        rooms_texts,
        subscriptions_texts,
        performance_texts,
    ):
        texts.register()  # audit log labels and notification texts


def register_blueprints(app: Flask) -> None:
    from webapp.accounts.views import bp as accounts_bp
    from webapp.achievements.views import bp as achievements_bp
    from webapp.admin.views import bp as admin_bp
    from webapp.challenges.views import bp as challenges_bp
    from webapp.core.views import bp as core_bp
    from webapp.deals.views import bp as deals_bp
    from webapp.dedupe.views import bp as dedupe_bp
    from webapp.imports.views import bp as imports_bp
    from webapp.listings.moderation import bp as moderation_bp
    from webapp.listings.views import bp as listings_bp
    from webapp.matching.views import bp as matching_bp
    from webapp.needs.views import bp as needs_bp
    from webapp.notifications.views import bp as notifications_bp
    from webapp.rooms.views import bp as rooms_bp
    from webapp.subscriptions.views import bp as subscriptions_bp
    from webapp.taxonomy.views import bp as taxonomy_bp

    for blueprint in (
        core_bp,
        accounts_bp,
        notifications_bp,
        subscriptions_bp,
        admin_bp,
        listings_bp,
        achievements_bp,
        needs_bp,
        imports_bp,
        dedupe_bp,
        taxonomy_bp,
        moderation_bp,
        matching_bp,
        challenges_bp,
        deals_bp,
        rooms_bp,
    ):
        app.register_blueprint(blueprint)
    from webapp.challenges.work_views import bp as challenge_work_bp  # applications, reviews, delivery

    app.register_blueprint(challenge_work_bp)
    from webapp.performance.views import bp as performance_bp  # 事后绩效: reports after delivery

    app.register_blueprint(performance_bp)
    from webapp.dashboard.views import bp as dashboard_bp  # the district's dashboard

    app.register_blueprint(dashboard_bp)
    from webapp.dashboard.evidence import bp as evidence_bp  # agencies' subsidy evidence packs
    from webapp.dashboard.personal import bp as my_dashboard_bp  # each user's own dashboard

    app.register_blueprint(my_dashboard_bp)
    app.register_blueprint(evidence_bp)
    from webapp.api import init_app as init_api  # the JSON API v1 and its OpenAPI document

    init_api(app)


def register_template_helpers(app: Flask) -> None:
    from webapp.core import formatting, money
    from webapp.notifications.services import unread_count

    formatting.register(app)
    money.register(app)

    @app.context_processor
    def inject():
        from flask_babel import get_locale

        from webapp.accounts.models import Role

        unread = 0
        if current_user.is_authenticated:
            unread = unread_count(current_user)
        return {
            "Role": Role,
            "unread_notifications": unread,
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }
