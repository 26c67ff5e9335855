"""Merkle trees as RFC 6962 (Certificate Transparency) defines them: roots and consistency.

Pure functions over leaf hashes; nothing here knows what a leaf holds. ``leaf_hash`` of the
leaf's bytes, ``root`` of a list of leaf hashes, ``consistency_proof`` from an older size to
a newer one, and ``verify_consistency`` (RFC 9162, section 2.1.4.2) checking such a proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of an empty tree."""


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256 of 0x00 and its bytes."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256 of 0x01 and its children's hashes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of the leaf hashes ``leaves``."""
    if not leaves:
        return EMPTY_ROOT
    # Bottom-up: pairing left to right and carrying an odd last node up unchanged gives
    # exactly RFC 6962's split at the largest power of two.
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the first ``old_size`` leaves are a prefix of ``leaves``."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"no consistency proof from size {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, 0, len(leaves), True)


def _subproof(m: int, leaves: Sequence[bytes], lo: int, hi: int, whole: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if whole else [root(leaves[lo:hi])]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves, lo, lo + k, whole), root(leaves[lo + k:hi])]
    return [*_subproof(m - k, leaves, lo + k, hi, False), root(leaves[lo:lo + k])]


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """True when ``proof`` shows the tree of ``old_size`` leaves and ``old_root`` is a prefix
    of the tree of ``new_size`` leaves and ``new_root``."""
    if old_size < 0 or new_size < old_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = fh = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            fh = node_hash(c, fh)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            fh = node_hash(fh, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and fh == new_root and sn == 0
