"""Imports every model so that SQLAlchemy's metadata is complete."""

from webapp.accounts.models import Organisation, OrganisationTier, User, UserSession  # noqa: F401
from webapp.core.audit import AuditEvent  # noqa: F401
from webapp.core.outbox import OutboxMessage  # noqa: F401
from webapp.notifications.models import Notification  # noqa: F401
