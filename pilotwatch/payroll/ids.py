"""Pseudonymisation: every distinct employee id becomes hex HMAC-SHA256(salt, id) before it is stored.

Hashing happens once per distinct id (100,000), never per row (12 million), in Python's ``hmac``;
the rows meet their hash through ``pr_stage.ids`` (scratch) as the file is parsed into the warehouse,
and carry a compact ``employee_key``.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re

import duckdb
import pyarrow as pa_arrow

from pilotwatch import settings
from pilotwatch.payroll.model import STAGE, PayrollError, Pseudonymised, Staged, query
from warehouse import one

SALT_ENV = "PILOTWATCH_ID_SALT"
MIN_SALT_LENGTH = 16
HASHED_ID = re.compile(r"^[0-9a-f]{64}$")


def id_salt() -> bytes:
    """The secret salt for hashing employee ids (``PILOTWATCH_ID_SALT``)."""
    salt = settings.id_salt()
    if len(salt) < MIN_SALT_LENGTH:
        raise PayrollError(
            f"employee ids arrive unhashed: set {SALT_ENV} to a secret of at least {MIN_SALT_LENGTH} characters "
            "(keep it, and keep it the same: the same person must get the same hash every year)"
        )
    return salt.encode("utf-8")


def hash_id(employee_id: str, salt: bytes) -> str:
    """hex HMAC-SHA256(salt, id); an id that already is 64 lowercase hex digits is kept as it is."""
    if HASHED_ID.match(employee_id):
        return employee_id
    return hmac.new(salt, employee_id.encode("utf-8"), hashlib.sha256).hexdigest()


def salt_fingerprint(salt: bytes) -> str:
    """Identifies a salt without revealing it (stored in meta.payroll_id_salt)."""
    return hmac.new(salt, b"pilotwatch payroll id salt fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonymise(con: duckdb.DuckDBPyConnection, staged: Staged) -> Pseudonymised:
    """``pr_stage.ids``: id as delivered -> hash -> employee_key (new keys after the largest).

    Ids of CSV lines the reader refused count too: if any id arrives unhashed, a salt is needed
    (their quarantine rows show the hash).
    """
    ids = con.sql(f"SELECT employee_id FROM {STAGE}.labels WHERE NOT is_label AND employee_id IS NOT NULL"
                  ).fetch_arrow_table()
    raw = ids.column("employee_id").to_pylist()
    if all(HASHED_ID.match(i) for i in raw + refused_ids(staged)):
        salt, new_salt = b"", False
    else:
        salt = id_salt()
        new_salt = _check_salt(con, salt)
    hashes = pa_arrow.table({"employee_id": raw, "employee_hash": [hash_id(i, salt) for i in raw]})
    con.register("_pr_hashes", hashes)
    try:
        base = one(con, "SELECT coalesce(max(employee_key), 0) FROM core.payroll_employees")[0]  # type: ignore[index]
        con.execute(query("ids", stage=STAGE), [int(base)])
    finally:
        con.unregister("_pr_hashes")
    return Pseudonymised(salt, new_salt)


def refused_ids(staged: Staged) -> list[str]:
    """The ids on CSV lines the reader refused (they reach the quarantine, hashed)."""
    canon = staged.layout.canonical
    if staged.csv_rejects.is_empty() or "employee_id" not in canon:
        return []
    i = canon.index("employee_id")
    out = []
    for text in staged.csv_rejects["csv_line"].unique().drop_nulls().to_list():
        fields = next(csv.reader([text], delimiter=staged.layout.delimiter), [])
        if i < len(fields) and fields[i].strip():
            out.append(fields[i].strip())
    return out


def _check_salt(con: duckdb.DuckDBPyConnection, salt: bytes) -> bool:
    """Refuse a salt other than the one the stored hashes were made with; True if none is stored yet."""
    fp = salt_fingerprint(salt)
    known = [r[0] for r in con.execute("SELECT DISTINCT fingerprint FROM meta.payroll_id_salt").fetchall()]
    if known and fp not in known:
        raise PayrollError(
            f"{SALT_ENV} is not the salt the stored employee hashes were made with: the same people would get "
            "new hashes and every employee would look like a leaver and a hire. Use the original salt."
        )
    return not known
