"""The data model. Importing this package registers every table with the metadata."""
from server.models.audit import AuditEvent
from server.models.device import Device
from server.models.device_report import DeviceReport
from server.models.district import District, School
from server.models.judgment_words import JudgmentWordList
from server.models.password_link import PasswordLink
from server.models.observation import EvidenceNote, Feedback, Observation, SupportCommitment
from server.models.notify import KINDS, Notification, PushDelivery, PushSubscription
from server.models.person import ROLES, Person, RoleGrant
from server.models.report import ReportCount, ReportDistrict, ReportFacts, ReportTeacher
from server.models.roster_import import RosterImport, RosterImportHash
from server.models.session import BrowserSession
from server.models.sync import RejectedOp, SyncChange, SyncClock, SyncConflict, SyncOp
from server.models.template import LOOKFOR_KINDS, LookFor, LookForTemplate

__all__ = [
    "AuditEvent", "BrowserSession", "Device", "DeviceReport", "PasswordLink", "District", "School", "EvidenceNote", "Feedback", "Observation",
    "SupportCommitment", "ROLES", "Person", "RoleGrant", "LOOKFOR_KINDS", "LookFor", "LookForTemplate",
    "JudgmentWordList", "KINDS", "Notification", "PushDelivery", "PushSubscription",
    "ReportCount", "ReportDistrict", "ReportFacts", "ReportTeacher", "RosterImport", "RosterImportHash", "RejectedOp", "SyncChange", "SyncClock", "SyncConflict", "SyncOp",
]
