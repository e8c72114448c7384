"""All core models, imported in one place so metadata is complete for migrations."""
from hub.accounts.models import (  # noqa: F401
    AccountToken,
    AuditEvent,
    AuthAttempt,
    RecoveryCode,
    User,
    UserSession,
)
from hub.consent.models import ConsentLinkKey, ConsentRecord, ConsentText  # noqa: F401
from hub.indicators.models import PageViewDaily  # noqa: F401
from hub.mail import MailMessage  # noqa: F401
from hub.media.models import MediaCaption, MediaItem  # noqa: F401
from hub.notifications.models import Notification, NotificationPreference  # noqa: F401
from hub.organizations.models import Membership, MembershipRequest, Organisation  # noqa: F401
from hub.organizations.network_models import (  # noqa: F401
    OrganisationNews,
    RelayBlock,
    RelayMessage,
    WorkingGroup,
    WorkingGroupAnnouncement,
    WorkingGroupLink,
    WorkingGroupMember,
)
from hub.search.models import SearchDocument, SearchSourceState  # noqa: F401
from hub.tokens import ApiToken  # noqa: F401
from hub.topics.models import Topic, TopicDigestSubscription, UserStakeholder, UserTopic  # noqa: F401,E501
from hub.uploads.models import Upload, UploadPart  # noqa: F401
