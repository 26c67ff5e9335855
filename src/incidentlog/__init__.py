"""incidentlog: incident records (postmortems) kept as append-only event streams.

>>> from datetime import datetime, UTC
>>> from incidentlog import IncidentLog, events as ev
>>> log = IncidentLog()  # in memory; IncidentLog("sqlite:///incidents.db") for a file
>>> at = datetime(2025, 10, 23, 14, 25, tzinfo=UTC)
>>> inc = log.declare(ev.IncidentDeclared(
...     incident_id="INC-20251023-0001", title="Checkout errors", severity="P1",
...     occurred_at=at, actor="@oncall"))
>>> inc.status
'investigating'
"""

from incidentlog import events
from incidentlog.errors import (
    ConflictError,
    IncidentExistsError,
    IncidentLogError,
    IncidentNotFoundError,
    InputError,
    InvalidEventError,
    RuleViolation,
    StateNotFoundError,
    StoreError,
)
from incidentlog.incident import Incident, decide, evolve, fold
from incidentlog.store import IncidentLog

__all__ = [
    "ConflictError",
    "Incident",
    "IncidentExistsError",
    "IncidentLog",
    "IncidentLogError",
    "IncidentNotFoundError",
    "InputError",
    "InvalidEventError",
    "RuleViolation",
    "StateNotFoundError",
    "StoreError",
    "decide",
    "events",
    "evolve",
    "fold",
]
__version__ = "0.1.0"
