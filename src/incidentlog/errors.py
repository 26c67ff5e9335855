"""The library's own exceptions: every error a caller should expect is one of these."""

from __future__ import annotations


class IncidentLogError(Exception):
    """Base class of every error incidentlog raises on purpose."""


class InvalidEventError(IncidentLogError, ValueError):
    """An event was built with a value the vocabulary does not allow (a naive datetime...)."""


class RuleViolation(IncidentLogError):
    """A command would break one of the incident's rules; nothing was appended.

    ``rule`` is a stable code (``lifecycle-order``, ``closed``...), documented in
    ``docs/reference/rules.md``.
    """

    def __init__(self, rule: str, message: str, *, incident_id: str | None = None) -> None:
        self.rule = rule
        self.incident_id = incident_id
        where = f"{incident_id}: " if incident_id else ""
        super().__init__(f"{where}{rule}: {message}")


class IncidentNotFoundError(IncidentLogError, KeyError):
    """No incident with that id is stored."""

    def __init__(self, incident_id: str, store: str | None = None) -> None:
        self.incident_id = incident_id
        self.store = store
        """The store searched (its URL, password redacted), when known."""
        super().__init__(incident_id)

    def __str__(self) -> str:
        return f"no incident {self.incident_id!r} in {self.store or 'this log'}"


class StateNotFoundError(IncidentLogError, LookupError):
    """The incident exists, but not in the state asked for: no such version, or nothing
    of it was recorded by the time asked about."""


class IncidentExistsError(IncidentLogError):
    """An incident with that id was already declared."""


class ConflictError(IncidentLogError):
    """Another writer appended to the same incident first (optimistic concurrency).

    Nothing of this append was stored. Read the incident again and retry, or use
    :meth:`incidentlog.IncidentLog.update`, which does that for you.
    """


class StoreError(IncidentLogError):
    """The store could not be opened or read (bad URL, unknown event type, newer format)."""


class InputError(IncidentLogError, ValueError):
    """Untrusted input (a dict, JSON or Markdown document) could not be understood.

    ``problems`` lists every problem found, each as ``(where, message)`` where ``where`` is
    a JSON path (``$.timeline[3].at``) or ``file:line``.
    """

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n  {where}: {msg}" for where, msg in self.problems)
        super().__init__(message + detail)
