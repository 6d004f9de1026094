"""Imports every model so that SQLAlchemy's metadata is complete."""

from webapp.accounts.models import (  # noqa: F401
    ApiToken,
    IdempotentRequest,
    Organisation,
    OrganisationTier,
    User,
    UserSession,
)
from webapp.achievements.models import Achievement, AchievementAccess  # noqa: F401
from webapp.challenges.models import (  # noqa: F401
    Application,
    Attachment,
    Award,
    Challenge,
    ConflictDeclaration,
    Contract,
    Criterion,
    ExpertAssignment,
    Milestone,
    Objection,
    ReminderSent,
    Review,
)
from webapp.core.audit import AuditEvent  # noqa: F401
from webapp.core.outbox import OutboxMessage  # noqa: F401
from webapp.core.ratelimit import counters  # noqa: F401
from webapp.deals.models import Deal, Payment, PaymentInstalment  # noqa: F401
from webapp.imports.models import ImportJob  # noqa: F401
from webapp.listings.models import DuplicateCandidate, ListingTerm  # noqa: F401
from webapp.matching.models import Introduction, LexiconEntry, MatchJob, Suggestion  # noqa: F401
from webapp.needs.models import Need  # noqa: F401
from webapp.notifications.models import (  # noqa: F401
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from webapp.performance.models import PerformanceReport, ReportFile, ReportReminder  # noqa: F401
from webapp.rooms.models import (  # noqa: F401
    ConfidentialityTerms,
    RoomFile,
    RoomMessage,
    RoomNextStep,
    TermsAcceptance,
)
from webapp.subscriptions.models import Subscription  # noqa: F401
from webapp.taxonomy.models import TechField  # noqa: F401
