"""Guards of revision 0006: on PostgreSQL the balance rule is judged at commit once per statement.

Revision 0001 queued a deferred constraint trigger per voucher: at commit, every voucher of a
batch ran its own trigger function (with its own plan-settings switch and index query), about a
tenth of a PostgreSQL batch's time. The statement guard of revision 0005 already moves each
ledger's chain head once per statement; it now also records the head's voucher id in
``ledgers.head_id``. A deferred constraint trigger on that update judges, at commit, every voucher
between the old head and the new one with one set-based query: the same rule and message, one
trigger event per ledger and statement instead of one per voucher.

SQLite keeps its row-level guards (it has neither deferred triggers nor statement-level ones); its
chain-head trigger records ``head_id`` too, so the column means the same on both databases.
"""

from __future__ import annotations

from alembic import op

from migrations import guards_0001, guards_0005

_RAISE = "RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE ="

_HEAD_UPDATE_0005 = """      UPDATE ledgers l SET head_hash = newest.content_hash
        FROM (SELECT DISTINCT ON (ledger_id) ledger_id, content_hash
                FROM new_vouchers ORDER BY ledger_id, id DESC) AS newest
       WHERE l.id = newest.ledger_id;"""
_HEAD_UPDATE_0006 = """      UPDATE ledgers l SET head_hash = newest.content_hash, head_id = newest.id
        FROM (SELECT DISTINCT ON (ledger_id) ledger_id, id, content_hash
                FROM new_vouchers ORDER BY ledger_id, id DESC) AS newest
       WHERE l.id = newest.ledger_id;"""


def _voucher_guard_0005() -> str:
    (statement,) = [s for s in guards_0005.PG_CREATE if "CREATE FUNCTION fl_vouchers_insert_guard()" in s]
    assert _HEAD_UPDATE_0005 in statement
    return statement


PG_CREATE = [
    "DROP TRIGGER trg_vouchers_balanced ON vouchers",
    "DROP FUNCTION fl_vouchers_balanced()",
    _voucher_guard_0005()
    .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    .replace(_HEAD_UPDATE_0005, _HEAD_UPDATE_0006),
    f"""
    CREATE FUNCTION fl_ledgers_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      bad record;
    BEGIN
      SELECT v.id, COUNT(p.voucher_id) AS n, COALESCE(SUM(p.amount_fen), 0) AS total INTO bad
        FROM vouchers v LEFT JOIN postings p ON p.voucher_id = v.id
       WHERE v.ledger_id = NEW.id AND v.id > COALESCE(OLD.head_id, 0) AND v.id <= NEW.head_id
       GROUP BY v.id, v.posting_count
      HAVING COUNT(p.voucher_id) < 2 OR COUNT(p.voucher_id) <> v.posting_count
          OR COALESCE(SUM(p.amount_fen), 0) <> 0
       LIMIT 1;
      IF FOUND THEN
        {_RAISE} format('fundledger:unbalanced_voucher: voucher %s has %s postings summing to %s fen',
                        bad.id, bad.n, bad.total);
      END IF;
      RETURN NULL;
    END $$
    """,
    # Judged at commit (as in django-hordak), once per ledger and statement.
    "CREATE CONSTRAINT TRIGGER trg_ledgers_balanced AFTER UPDATE OF head_id ON ledgers "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fl_ledgers_balanced()",
    # Its range is a slice of one ledger's vouchers: keep it on the (ledger_id, id) index whatever
    # the statistics say, as for the statement guards.
    "ALTER FUNCTION fl_ledgers_balanced() SET enable_seqscan = off SET enable_hashjoin = off "
    "SET enable_mergejoin = off",
]

PG_DROP = [
    "DROP TRIGGER trg_ledgers_balanced ON ledgers",
    "DROP FUNCTION fl_ledgers_balanced()",
    _voucher_guard_0005().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
    *[s for s in guards_0001.PG_CREATE if "fl_vouchers_balanced()" in s],
    "ALTER FUNCTION fl_vouchers_balanced() SET enable_seqscan = off",
]

_SQLITE_HEAD_0001 = "BEGIN UPDATE ledgers SET head_hash = NEW.content_hash WHERE id = NEW.ledger_id; END"
_SQLITE_HEAD_0006 = (
    "BEGIN UPDATE ledgers SET head_hash = NEW.content_hash, head_id = NEW.id WHERE id = NEW.ledger_id; END"
)


def _sqlite_chain_head(body: str) -> str:
    (original,) = [s for s in guards_0001.SQLITE_CREATE if "CREATE TRIGGER trg_vouchers_chain_head" in s]
    assert _SQLITE_HEAD_0001 in original
    return original.replace(_SQLITE_HEAD_0001, body)


def _run(pg_statements: list[str], sqlite_head_body: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        statements = pg_statements
    else:
        statements = ["DROP TRIGGER trg_vouchers_chain_head", _sqlite_chain_head(sqlite_head_body)]
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(PG_CREATE, _SQLITE_HEAD_0006)


def downgrade() -> None:
    _run(PG_DROP, _SQLITE_HEAD_0001)
