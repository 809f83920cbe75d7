from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"


class Language(StrEnum):
    EN = "en"
    UK = "uk"


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class LeadSource(StrEnum):
    MANUAL = "manual"
    WEB_FORM = "web_form"
    WEBSITE_CHAT = "website_chat"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    WOOCOMMERCE = "woocommerce"
    FACEBOOK = "facebook"
    IMPORT = "import"
    OTHER = "other"


class ActivityKind(StrEnum):
    CREATED = "created"
    CALL = "call"
    NOTE = "note"
    MEETING = "meeting"
    MESSAGE = "message"
    STAGE_CHANGE = "stage_change"
    ASSIGNMENT = "assignment"
    CONVERSION = "conversion"
    SYSTEM = "system"
    # Another customer merged into this one.
    MERGE = "merge"


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    YES_NO = "yes_no"


class SegmentTarget(StrEnum):
    LEADS = "leads"
    CUSTOMERS = "customers"


class LostReason(StrEnum):
    """Why a deal was lost, stored as a code so reports group it and each reader reads their
    own language; OTHER comes with the rep's own words."""

    PRICE = "price"
    COMPETITOR = "competitor"
    TIMING = "timing"
    NO_ANSWER = "no_answer"
    OTHER = "other"


class Notification(StrEnum):
    """What a staff member can choose to be told about."""

    REMINDERS = "reminders"
    ASSIGNED = "assigned"
    NEW_LEADS = "new_leads"
    WINS_AND_LOSSES = "wins_and_losses"
    OVERDUE_TASKS = "overdue_tasks"
    IDLE_DEALS = "idle_deals"
    DIGEST = "digest"


class MessageStatus(StrEnum):
    """How far a message in a customer conversation got, as its channel reports it."""

    # A rep's reply waiting in the outbox for its turn to go out.
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
