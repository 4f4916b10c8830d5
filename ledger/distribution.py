"""Which table is distributed by what, for a distributed PostgreSQL (Citus), stated once.

The rule (issue 19 item 6): a table that grows with the books is distributed by its ledger, and
each of its primary and unique keys carries ``ledger_id``, so that a key is checked on the one
shard that holds the ledger; a reference between two such tables carries ``ledger_id`` on both
sides, so that it never crosses shards. Small tables read by every ledger are *reference* tables
(replicated to every node). ``tests/test_distribution_keys.py`` reads the live catalogue of both
databases and checks every table against this registry; ``docs/scale.md`` explains the choices.

A few constraints exist on one database only (``ONLY_ON``): PostgreSQL partitions the journal by
ledger (revision 0021), so its keys there contain ``ledger_id``; SQLite keeps its rowid keys and
the older unique constraints, equivalent there because a voucher id names one ledger's voucher.
The models mark such a constraint with ``info={"only_on": dialect}``; ``on_this_database`` is the
filter the model-versus-migration comparison uses, and ``ddl_if`` keeps ``create_all`` the same.
"""

from __future__ import annotations

from typing import Final

#: The distribution column of every table distributed by ledger whose keys already follow the rule.
DISTRIBUTED: Final[dict[str, str]] = {
    "vouchers": "ledger_id",
    "postings": "ledger_id",
    "periods": "ledger_id",
    "account_balances": "ledger_id",
    "pair_balances": "ledger_id",
}

#: Tables distributed by ledger whose keys do not follow the rule yet (primary key ``id`` alone, a
#: unique key or a reference without ``ledger_id``): the work left, table by table, in docs/scale.md.
PENDING: Final[dict[str, str]] = {
    "accounts": "ledger_id",
    "voucher_reviews": "ledger_id",
    "voucher_withdrawals": "ledger_id",
    "bank_line_vouchers": "ledger_id",  # its voucher by (ledger_id, voucher_id) since 0021; its line not yet
    "bank_imports": "ledger_id",
    "bank_statement_lines": "ledger_id",
    "bank_receipts": "ledger_id",
    "fund_inputs": "ledger_id",
    "audit_events": "ledger_id",
}

#: Small tables every ledger reads (the tree of agencies, the sets of books, the web logins):
#: replicated to every node, so a reference to them from a distributed table stays local.
REFERENCE: Final[frozenset[str]] = frozenset({"entities", "ledgers", "web_users"})

#: PostgreSQL's partitions of the journal (revision 0021): parts of their root, not tables of their own.
PARTITION_MODULUS: Final[int] = 8
PARTITIONED: Final[tuple[str, ...]] = ("vouchers", "postings")
PARTITIONS: Final[frozenset[str]] = frozenset(f"{t}_p{i}" for t in PARTITIONED for i in range(PARTITION_MODULUS))

#: The dialect a constraint exists on, when only one: (table, constraint name) → dialect name.
ONLY_ON: Final[dict[tuple[str, str], str]] = {
    ("vouchers", "uq_vouchers_ledger_id_id"): "sqlite",
    ("vouchers", "uq_vouchers_reversal_of_id"): "sqlite",
    ("vouchers", "fk_vouchers_reversal_of_id_vouchers"): "sqlite",
    ("postings", "uq_postings_voucher_id_line_no"): "sqlite",
    ("vouchers", "uq_vouchers_reversal_of_id_ledger_id"): "postgresql",
    ("vouchers", "fk_vouchers_reversal_ledger"): "postgresql",
    ("postings", "uq_postings_voucher_id_line_no_ledger_id"): "postgresql",
}


def only_on(table: str, name: str) -> dict[str, str]:
    """The ``info`` of a model constraint that exists on one database only (as ``ONLY_ON`` says)."""
    return {"only_on": ONLY_ON[(table, name)]}


def on_this_database(obj: object, dialect: str) -> bool:
    """Whether a model object (a constraint, an index) exists on ``dialect``'s migrated schema."""
    wanted = getattr(obj, "info", {}).get("only_on")
    return wanted is None or wanted == dialect


def alembic_filter(dialect: str):  # type: ignore[no-untyped-def]
    """An Alembic ``include_object`` for comparing the models with a ``dialect`` database: model
    objects that exist on the other database only are left out, and so are the journal's
    partitions (parts of ``vouchers`` and ``postings``, which the models describe) with the
    references to them PostgreSQL keeps for each partition."""

    def include(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        if type_ == "table" and name in PARTITIONS:
            return False
        if type_ == "foreign_key_constraint" and reflected and obj.referred_table.name in PARTITIONS:
            return False  # PostgreSQL's own copy of a reference to the root, one per partition
        return reflected or on_this_database(obj, dialect)

    return include
