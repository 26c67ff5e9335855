"""Checkpoints: what the whole log held at a moment, as Certificate Transparency's tree heads.

A checkpoint is the number of stored rows, the RFC 6962 Merkle root over them in log order
(:mod:`incidentlog.merkle`; each leaf is a row's incident, version, type and envelope), the
time, and each incident's head (version, chain link, digest of its rows' leaves), optionally
signed with HMAC-SHA256 under a key the user keeps. Kept where the database's writers cannot
reach it, it lets :func:`verify` prove the store still holds exactly those rows, in that
order, and only grew since (a consistency proof); when it does not, the heads name what was
truncated, deleted, rewritten, forged or reordered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from incidentlog import integrity, merkle
from incidentlog.errors import StoreError
from incidentlog.integrity import Problem, Scan, Verification
from incidentlog.store import IncidentLog
from incidentlog.times import utc_now

FORMAT = "incidentlog-checkpoint/1"
MIN_KEY_BYTES = 16


@attrs.frozen
class Head:
    """An incident as a checkpoint saw it: last version, its chain link, and the digest of
    the leaves of its rows 1 to ``version``."""

    version: int
    chain: str
    digest: str


@attrs.frozen
class Checkpoint:
    """The size and Merkle root of a log, when, each incident's head, and an HMAC."""

    size: int
    root: str
    time: datetime
    heads: dict[str, Head]
    key_id: str | None = None
    mac: str | None = None

    def body(self) -> bytes:
        """The canonical bytes the signature covers (everything but the signature)."""
        data = {"format": FORMAT, "size": self.size, "root": self.root,
                "time": self.time.isoformat(),
                "heads": {i: [h.version, h.chain, h.digest] for i, h in self.heads.items()}}
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        """The checkpoint as the JSON document ``incidentlog checkpoint`` writes."""
        data: dict[str, Any] = json.loads(self.body())
        if self.mac is not None:
            data["signature"] = {"alg": "hmac-sha256", "key_id": self.key_id, "mac": self.mac}
        return json.dumps(data, indent=1, sort_keys=True) + "\n"


def read_key(path: str | Path) -> bytes:
    """A signing key from a file the user keeps (at least 16 bytes; one-line errors)."""
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise StoreError(f"signing key {path}: cannot read it ({exc.strerror})") from None
    if len(key) < MIN_KEY_BYTES:
        raise StoreError(f"signing key {path}: {len(key)} byte(s); a key needs at least "
                         f"{MIN_KEY_BYTES} (e.g. head -c 32 /dev/urandom | base64 > FILE)")
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key, so a checkpoint says which key signed it."""
    return hashlib.sha256(b"incidentlog key id\x00" + key).hexdigest()[:16]


def sign(checkpoint: Checkpoint, key: bytes) -> Checkpoint:
    """The checkpoint with an HMAC-SHA256 of its body under ``key``."""
    mac = hmac.new(key, checkpoint.body(), hashlib.sha256).hexdigest()
    return attrs.evolve(checkpoint, key_id=key_id(key), mac=mac)


def make(log: IncidentLog, *, key: bytes | None = None, now: datetime | None = None
         ) -> tuple[Checkpoint, Verification]:
    """A checkpoint of ``log`` as it is now (signed when ``key`` is given), and the
    verification of the rows it covers: do not keep a checkpoint of a log that fails it."""
    scan = integrity.scan(log)
    heads = {ident: Head(s.length, s.chains.get(s.length, ""), s.leaf_digest(s.length))
             for ident, s in sorted(scan.streams.items())}
    made = Checkpoint(len(scan.leaves), scan.root.hex(), now or utc_now(), heads)
    return (sign(made, key) if key is not None else made), scan.verification()


def load(path: str | Path) -> Checkpoint:
    """A checkpoint from its JSON file; anything else is a one-line :class:`StoreError`."""
    try:
        data = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise StoreError(f"checkpoint {path}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise StoreError(f"checkpoint {path}: not JSON ({exc})") from None
    try:
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT!r}")
        signature = data.get("signature") or {}
        size = data["size"]
        if not isinstance(size, int) or size < 0:
            raise ValueError("size is not a count")
        root = bytes.fromhex(data["root"])
        if len(root) != 32:
            raise ValueError("root is not a SHA-256 hash")
        heads = {str(i): Head(int(v), str(c), str(d)) for i, (v, c, d) in data["heads"].items()}
        when = datetime.fromisoformat(data["time"])
        return Checkpoint(size, root.hex(), when, heads, signature.get("key_id"),
                          signature.get("mac"))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"checkpoint {path}: not a checkpoint ({type(exc).__name__}: "
                         f"{exc})") from None


def signature_problem(checkpoint: Checkpoint, key: bytes | None) -> str | None:
    """What is wrong with a checkpoint's signature, given the key (``None``: it holds, or
    no key was given for an unsigned checkpoint)."""
    if key is None:
        return None
    if checkpoint.mac is None:
        return "the checkpoint is not signed, but a key was given"
    if checkpoint.key_id != key_id(key):
        return (f"the checkpoint was signed with another key (key id {checkpoint.key_id}, "
                f"this key's is {key_id(key)})")
    expected = hmac.new(key, checkpoint.body(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, checkpoint.mac):
        return "the checkpoint's signature does not match: the checkpoint file was altered"
    return None


def verify(log: IncidentLog, checkpoint: Checkpoint, *, key: bytes | None = None
           ) -> Verification:
    """Everything :func:`integrity.verify` checks, and that the log still holds the
    checkpoint's rows as a prefix (with a consistency proof), naming what was done if not."""
    scan = integrity.scan(log)
    bad_signature = signature_problem(checkpoint, key)
    if bad_signature:
        scan.problems.insert(0, Problem(None, None, bad_signature, "checkpoint"))
        return scan.verification()
    problems, notes = compare(scan, checkpoint)
    if checkpoint.mac is not None and key is None:
        notes.append("the checkpoint is signed, but no key was given: its signature was not "
                     "checked")
    scan.problems += problems
    return scan.verification(notes)


def compare(scan: Scan, checkpoint: Checkpoint) -> tuple[list[Problem], list[str]]:
    """Problems with the log against a checkpoint, and notes on what holds."""
    m, n = checkpoint.size, len(scan.leaves)
    old_root = bytes.fromhex(checkpoint.root)
    when = checkpoint.time.isoformat()
    if m <= n and merkle.root(scan.leaves[:m]) == old_root:
        proof = merkle.consistency_proof(scan.leaves, m) if m else []
        if not merkle.verify_consistency(m, n, old_root, scan.root, proof):  # pragma: no cover
            return [Problem(None, None, "the consistency proof does not hold", "checkpoint")], []
        return [], [f"checkpoint of {when}: the log holds its {m} row(s) unchanged and in "
                    f"order (consistency proof of {len(proof)} hash(es) checked); "
                    f"{n - m} row(s) added since"]
    problems: list[Problem] = []
    for ident, head in checkpoint.heads.items():
        problems += _compare_head(scan, ident, head)
    if n < m and not any(p.kind in ("deleted", "truncated") for p in problems):
        problems.append(Problem(None, None, f"the log holds {n} row(s), the checkpoint of {when} "
                                f"{m}: rows were deleted", "deleted"))
    for position, (ident, version) in enumerate(scan.rows[:m], 1):
        held = checkpoint.heads.get(ident)
        if held is None or version > held.version:
            problems.append(Problem(ident, version, f"row {position} of the log is within the "
                                    "checkpoint's rows but not one of them: forged or "
                                    "inserted before the checkpoint", "forged"))
    if not problems:
        problems.append(Problem(None, None, f"the log holds the checkpoint's {m} row(s), "
                                "unchanged, but in another order: rows were reordered",
                                "reordered"))
    return problems, []


def _compare_head(scan: Scan, ident: str, head: Head) -> list[Problem]:
    stream = scan.streams.get(ident)
    if stream is None:
        return [Problem(ident, None, f"the whole incident is gone: the checkpoint holds "
                        f"{head.version} event(s) of it, the store none", "deleted")]
    missing = [v for v in range(1, head.version + 1) if v not in stream.leaves]
    if missing and missing == list(range(missing[0], head.version + 1)):
        first = missing[0]
        gone = f"event {first} was" if first == head.version else \
            f"events {first} to {head.version} were"
        return [Problem(ident, first, f"the checkpoint holds {head.version} "
                        f"event(s), the store {first - 1} of them; {gone} deleted",
                        "truncated")]
    if missing:
        return [Problem(ident, missing[0], f"event(s) {', '.join(map(str, missing[:10]))} "
                        "of the checkpoint were deleted", "deleted")]
    if stream.chains.get(head.version) != head.chain:
        return [Problem(ident, head.version, f"its events up to version "
                        f"{head.version} are not the checkpoint's (a chain recomputed)",
                        "rewritten")]
    if stream.leaf_digest(head.version) != head.digest:
        return [Problem(ident, None, "its rows are not the bytes the checkpoint holds, though "
                        "its head link is: rows edited", "altered")]
    return []
