"""SQLAlchemy models of the CRM; importing this package registers every table."""

from crm.models.activity import NOTE_MAX_LENGTH, Activity, AuditEntry
from crm.models.automation import Rule, RuleEvent, RuleEventStatus
from crm.models.base import Base, table_of, utcnow
from crm.models.customer import (
    Conversation,
    ConversationMessage,
    Customer,
    CustomerContact,
    LoyaltyEntry,
    Order,
    SupportTicket,
)
from crm.models.duplicate_key import HELD_TWICE, DuplicateKey
from crm.models.enums import (
    ActivityKind,
    Direction,
    FieldKind,
    Language,
    LeadSource,
    LostReason,
    MessageStatus,
    Notification,
    Role,
    SegmentTarget,
    StageKind,
    TicketStatus,
)
from crm.models.intake import FieldPreset, IntakeChannel, IntakeKind, IntakeReceipt
from crm.models.lead import Lead, LeadMerge
from crm.models.outbox import OutboxMessage, OutboxStatus
from crm.models.pipeline import CacheVersion, Pipeline, Stage
from crm.models.settings import FieldDefinition, Segment
from crm.models.staff import AccessRequest, Invite, Staff
from crm.models.tags import Tag, customer_tags, lead_tags
from crm.models.task import Task
from crm.models.team import Team, TeamMember
from crm.models.webhook import Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent

__all__ = [
    "HELD_TWICE",
    "NOTE_MAX_LENGTH",
    "AccessRequest",
    "Activity",
    "ActivityKind",
    "AuditEntry",
    "Base",
    "CacheVersion",
    "Conversation",
    "ConversationMessage",
    "Customer",
    "CustomerContact",
    "Direction",
    "DuplicateKey",
    "FieldDefinition",
    "FieldKind",
    "FieldPreset",
    "IntakeChannel",
    "IntakeKind",
    "IntakeReceipt",
    "Invite",
    "Language",
    "Lead",
    "LeadMerge",
    "LeadSource",
    "LostReason",
    "LoyaltyEntry",
    "MessageStatus",
    "Notification",
    "Order",
    "OutboxMessage",
    "OutboxStatus",
    "Pipeline",
    "Role",
    "Rule",
    "RuleEvent",
    "RuleEventStatus",
    "Segment",
    "SegmentTarget",
    "Staff",
    "Stage",
    "StageKind",
    "SupportTicket",
    "Tag",
    "Task",
    "Team",
    "TeamMember",
    "TicketStatus",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "customer_tags",
    "lead_tags",
    "table_of",
    "utcnow",
]
