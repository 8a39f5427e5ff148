"""A rule-based strategy advisor for sales negotiations.

Load a playbook once, consult it for many deals::

    from advisor import Advisor, load_deal

    advisor = Advisor.load()                  # the shipped default playbook
    advice = advisor.consult(load_deal("examples/deal-en.yaml"))
    for item in advice.recommendations:
        print(item.title, item.rule)

Everything listed in ``__all__`` is the stable API; other modules are
implementation details and may change.
"""

from .advice import (
    Advice,
    BottomLineView,
    DerivedFact,
    Flag,
    GoalView,
    MatchedFact,
    OfferPackage,
    PlaybookRef,
    Rebuttal,
    Recommendation,
)
from .consult import Advisor, load_playbook
from .deal import (
    BottomLine,
    Customer,
    Deal,
    DealInfo,
    ExpectedObjection,
    Goal,
    Person,
    SellingPoint,
)
from .entries import (
    Agenda,
    Agreement,
    Attitude,
    Concession,
    Demand,
    Entry,
    Keyword,
    NextAction,
    Note,
    Objection,
    Offer,
    OpenIssue,
    Response,
)
from .errors import (
    AdvisorError,
    DealError,
    EngineError,
    InputError,
    PlaybookError,
    Problem,
    SessionError,
    StoreError,
)
from .inputs import deal_from_data, deal_from_text, load_deal, load_entries
from .outcome import GoalResult, goal_results
from .packages import offer_packages
from .plan import PlaybookPlan
from .record import NegotiationRecord, build_record, render_record
from .reload import ReloadingAdvisor, ReloadResult
from .review import Review, build_review, render_review, replay
from .session import (
    AdviceDelta,
    AdviceItem,
    LiveSessions,
    RecordedEntry,
    SessionSummary,
    SessionView,
    entry_from_data,
)
from .store import Store
from .suggest import Suggestion, playbook_patch, suggest

__all__ = [
    "Advice",
    "AdviceDelta",
    "AdviceItem",
    "Advisor",
    "AdvisorError",
    "Agenda",
    "Agreement",
    "Attitude",
    "BottomLine",
    "BottomLineView",
    "Concession",
    "Customer",
    "Deal",
    "DealError",
    "DealInfo",
    "Demand",
    "DerivedFact",
    "EngineError",
    "Entry",
    "ExpectedObjection",
    "Flag",
    "Goal",
    "GoalResult",
    "GoalView",
    "InputError",
    "Keyword",
    "LiveSessions",
    "MatchedFact",
    "NegotiationRecord",
    "NextAction",
    "Note",
    "Objection",
    "Offer",
    "OfferPackage",
    "OpenIssue",
    "Person",
    "PlaybookError",
    "PlaybookPlan",
    "PlaybookRef",
    "Problem",
    "Rebuttal",
    "Recommendation",
    "RecordedEntry",
    "ReloadResult",
    "ReloadingAdvisor",
    "Response",
    "Review",
    "SellingPoint",
    "SessionError",
    "SessionSummary",
    "SessionView",
    "Store",
    "StoreError",
    "Suggestion",
    "build_record",
    "build_review",
    "deal_from_data",
    "deal_from_text",
    "entry_from_data",
    "goal_results",
    "load_deal",
    "load_entries",
    "load_playbook",
    "offer_packages",
    "playbook_patch",
    "render_record",
    "render_review",
    "replay",
    "suggest",
]
