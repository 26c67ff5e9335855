"""Database URLs: which eventsourcing persistence module to use, and how to print one safely."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from incidentlog.errors import StoreError

_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)
_PASSWORD_KV = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


_SECRETS: set[str] = set()
"""Passwords of the database URLs opened in this process, removed from any text shown."""


def redact_url(url: str) -> str:
    """A database URL with its password replaced by ``***``, found by parsing the URL the
    way the driver does (the user information ends at the last ``@``), so a password with
    spaces, ``:`` or an unencoded ``@`` is hidden whole."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return redact(url)
    # The last "@" before the query ends the user information, even when an unencoded "/"
    # in the password would make the driver read the URL otherwise.
    address, question, query = rest.partition("?")
    userinfo, at, host = address.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{question}{query}"


def redact(text: str) -> str:
    """Text with any password in a URL or ``password=...`` replaced by ``***``, and every
    password of a URL opened in this process."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _PASSWORD.sub(r"\g<scheme>:***@", text)
    return _PASSWORD_KV.sub(r"\1***", text)


def persistence_env(url: str | None) -> dict[str, str]:
    """The eventsourcing environment for a database URL.

    ``None`` or ``memory://``: in memory. ``sqlite:///relative.db``,
    ``sqlite:////absolute.db``, ``sqlite:///:memory:``; a bare path with no scheme
    (``incidents.db``, ``~/ops/incidents.db``) is an SQLite file too.
    ``postgresql://user:pw@host:port/db`` (``?schema=name`` picks a schema,
    ``?connect_timeout=5`` in seconds).
    """
    common = {"ORIGINATOR_ID_TYPE": "text", "CREATE_TABLE": "y"}
    if url is None or url in ("memory://", "memory:", ":memory:"):
        return {**common, "PERSISTENCE_MODULE": "eventsourcing.popo"}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if ":" not in url and url.strip():
        scheme, path = "sqlite", url  # a bare file path: the embedded default
    elif scheme == "sqlite":
        path = url[len("sqlite://"):]
        path = path[1:] if path.startswith("/") else path
    if scheme == "sqlite":
        if not path:
            raise StoreError(f"{redact_url(url)}: an SQLite URL needs a path: sqlite:///incidents.db")
        if path != ":memory:":
            parent = Path(path).expanduser().parent
            if not parent.is_dir():
                raise StoreError(f"{redact_url(url)}: folder {parent} does not exist")
            path = str(Path(path).expanduser())
        return {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        userinfo = url.partition("://")[2].partition("?")[0].rpartition("@")[0]
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            # Both as typed and decoded; short ones only inside the URL (they would match
            # too much ordinary text).
            _SECRETS.update(p for p in (password, unquote(password)) if len(p) >= 4)
        try:
            port = parts.port or 5432
        except ValueError:
            raise StoreError(f"{redact_url(url)}: the port is not a number (in a password, "
                             "write @ as %40, / as %2F, : as %3A)") from None
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname or not parts.hostname:
            raise StoreError(
                f"{redact_url(url)}: a PostgreSQL URL needs a host and a database: "
                "postgresql://user:password@host:5432/dbname"
            )
        env = {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(parts.username or ""),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_LOCK_TIMEOUT": "30",
        }
        for pair in filter(None, parts.query.split("&")):
            key, _, value = pair.partition("=")
            if key == "schema":
                env["POSTGRES_SCHEMA"] = unquote(value)
            elif key == "connect_timeout" and value.isdigit():
                env["POSTGRES_CONNECT_TIMEOUT"] = value
        return env
    raise StoreError(
        f"{redact_url(url)}: unknown database URL; use sqlite:///FILE, "
        "postgresql://user:password@host:port/db, or memory://"
    )
