"""RFC 6962 Merkle trees: known roots, and consistency proofs that hold and that fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from incidentlog import merkle

# The leaves and roots of Certificate Transparency's reference tests (RFC 6962 hashing).
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_roots_match_certificate_transparency_reference() -> None:
    leaves = [merkle.leaf_hash(d) for d in LEAVES]
    assert merkle.root([]).hex() == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n, expected in enumerate(ROOTS, 1):
        assert merkle.root(leaves[:n]).hex() == expected


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 70), st.data())
def test_a_consistency_proof_verifies_and_only_for_the_prefix(n: int, data: st.DataObject
                                                              ) -> None:
    m = data.draw(st.integers(1, n))
    leaves = hashes(n)
    proof = merkle.consistency_proof(leaves, m)
    old, new = merkle.root(leaves[:m]), merkle.root(leaves)
    assert merkle.verify_consistency(m, n, old, new, proof)
    # Any other prefix (one leaf changed) or size fails.
    changed = list(leaves)
    i = data.draw(st.integers(0, m - 1))
    changed[i] = merkle.leaf_hash(b"forged")
    assert not merkle.verify_consistency(m, n, merkle.root(changed[:m]), new, proof)
    assert not merkle.verify_consistency(m, n, old, merkle.root(changed), proof)
    if m < n and proof:
        bad = [*proof[:-1], merkle.leaf_hash(b"x")]
        assert not merkle.verify_consistency(m, n, old, new, bad)


def test_degenerate_sizes() -> None:
    leaves = hashes(5)
    r = merkle.root(leaves)
    assert merkle.verify_consistency(5, 5, r, r, [])
    assert not merkle.verify_consistency(5, 5, r, merkle.root(leaves[:4]), [])
    assert not merkle.verify_consistency(6, 5, r, r, [])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, r, [])
