"""Guards of revision 0005: PostgreSQL checks a whole INSERT at once (statement-level triggers).

Revision 0001 checked every voucher and posting in row-level triggers and advanced
``ledgers.head_hash`` in an AFTER ROW trigger per voucher. On PostgreSQL that cost three ways:
AFTER ROW triggers run at the end of the statement, so a multi-row ``INSERT`` (the journal's
batch path) saw a stale head for its second row; updating one ``ledgers`` row thousands of times
in one transaction leaves a chain of row versions that every later lookup walks; and each row's
lookups ran with plans cached while the tables were empty (sequential scans), so large first
batches slowed down quadratically.

Here the posting and voucher guards are AFTER … FOR EACH STATEMENT triggers with transition
tables: each rule is one set-based query over the inserted rows (the same rules and messages as
before), and the chain head moves once per ledger per statement. The balance rule is also judged
at commit by revision 0001's deferred constraint trigger, which like the account guard now runs
with ``enable_seqscan = off`` so its per-row lookup always uses the index. SQLite has no
statement-level triggers; its row-level guards of revision 0001 stay, with the id-order rule added.
"""

from __future__ import annotations

from alembic import op

from migrations import guards_0001

_RAISE = "RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE ="

PG_CREATE = [
    "DROP TRIGGER IF EXISTS trg_vouchers_chain_head ON vouchers",
    "DROP FUNCTION IF EXISTS fl_vouchers_chain_head()",
    "DROP TRIGGER IF EXISTS trg_vouchers_insert_guard ON vouchers",
    "DROP FUNCTION IF EXISTS fl_vouchers_insert_guard()",
    "DROP TRIGGER IF EXISTS trg_postings_insert_guard ON postings",
    "DROP FUNCTION IF EXISTS fl_postings_insert_guard()",
    f"""
    CREATE FUNCTION fl_postings_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_postings n JOIN vouchers v ON v.id = n.voucher_id) THEN
        {_RAISE} 'fundledger:immutable_voucher: postings cannot be added to a posted voucher';
      END IF;
      IF EXISTS (SELECT 1 FROM new_postings n JOIN accounts a ON a.id = n.account_id WHERE NOT a.is_leaf) THEN
        {_RAISE} 'fundledger:parent_account: postings go to leaf accounts only';
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER trg_postings_insert_guard AFTER INSERT ON postings "
    "REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION fl_postings_insert_guard()",
    f"""
    CREATE FUNCTION fl_vouchers_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM (SELECT n.posting_count, COUNT(p.voucher_id) AS lines,
                                       COALESCE(SUM(p.amount_fen), 0) AS total
                                  FROM new_vouchers n LEFT JOIN postings p ON p.voucher_id = n.id
                                 GROUP BY n.id, n.posting_count) t
                  WHERE t.lines < 2 OR t.lines <> t.posting_count OR t.total <> 0) THEN
        {_RAISE} 'fundledger:unbalanced_voucher: a voucher needs two or more postings summing to zero';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n JOIN postings p ON p.voucher_id = n.id
                  WHERE p.ledger_id <> n.ledger_id) THEN
        {_RAISE} 'fundledger:foreign_account: a posting belongs to another ledger';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n
                  WHERE (EXTRACT(YEAR FROM n.voucher_date) * 100 + EXTRACT(MONTH FROM n.voucher_date))::int
                        <> n.period) THEN
        {_RAISE} 'fundledger:date_in_period: the voucher date lies outside its period';
      END IF;
      IF EXISTS (SELECT 1 FROM (SELECT DISTINCT ledger_id, period FROM new_vouchers) n
                  WHERE NOT EXISTS (SELECT 1 FROM periods o WHERE o.ledger_id = n.ledger_id
                                       AND o.period = n.period AND o.status = 'open')) THEN
        {_RAISE} 'fundledger:closed_period: the period is closed or does not exist';
      END IF;
      -- Numbers: per ledger-month the new ones run on without a gap from the largest old one
      -- (the unique key refuses duplicates).
      IF EXISTS (SELECT 1 FROM (SELECT ledger_id, period, MIN(number) AS lo, MAX(number) AS hi, COUNT(*) AS n
                                  FROM new_vouchers GROUP BY ledger_id, period) g
                  WHERE g.hi - g.lo + 1 <> g.n
                     OR g.lo <> COALESCE((SELECT MAX(v.number) FROM vouchers v WHERE v.ledger_id = g.ledger_id
                                            AND v.period = g.period AND v.number < g.lo), 0) + 1) THEN
        {_RAISE} 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger and month';
      END IF;
      -- The chain: ordered by id within each ledger, each voucher names the one before it, the
      -- first names the ledger's head, and no older voucher of the ledger has a higher id.
      IF EXISTS (SELECT 1 FROM (SELECT ledger_id, id, prev_hash,
                                       LAG(content_hash) OVER (PARTITION BY ledger_id ORDER BY id) AS before
                                  FROM new_vouchers) c
                   JOIN ledgers l ON l.id = c.ledger_id
                  WHERE c.prev_hash IS DISTINCT FROM COALESCE(c.before, l.head_hash))
         OR EXISTS (SELECT 1 FROM (SELECT ledger_id, MIN(id) AS lo, COUNT(*) AS n
                                     FROM new_vouchers GROUP BY ledger_id) g
                     WHERE (SELECT COUNT(*) FROM vouchers v WHERE v.ledger_id = g.ledger_id AND v.id >= g.lo) <> g.n)
      THEN
        {_RAISE} 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n
                  WHERE n.reversal_of_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM vouchers r WHERE r.id = n.reversal_of_id AND r.ledger_id = n.ledger_id)) THEN
        {_RAISE} 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger';
      END IF;
      UPDATE ledgers l SET head_hash = newest.content_hash
        FROM (SELECT DISTINCT ON (ledger_id) ledger_id, content_hash
                FROM new_vouchers ORDER BY ledger_id, id DESC) AS newest
       WHERE l.id = newest.ledger_id;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER trg_vouchers_insert_guard AFTER INSERT ON vouchers "
    "REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_insert_guard()",
]

#: Guards whose lookups must use the indexes even when the planner's statistics say the tables are
#: empty: plans of trigger functions are cached per connection, and a plan made on a fresh database
#: (a sequential scan) would otherwise be kept while the table grows within one large batch.
INDEXED_GUARDS = ["fl_vouchers_balanced", "fl_accounts_insert_guard"]
PG_CREATE += [f"ALTER FUNCTION {name}() SET enable_seqscan = off" for name in INDEXED_GUARDS]
#: The statement-level guards join the inserted rows (a transition table, no statistics) with the
#: books: nested loops over index lookups cost in proportion to the batch, where a hash or merge
#: join chosen on a bad estimate would read the whole table once per statement.
BATCH_GUARDS = ["fl_postings_insert_guard", "fl_vouchers_insert_guard"]
PG_CREATE += [
    f"ALTER FUNCTION {name}() SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off"
    for name in BATCH_GUARDS
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS trg_vouchers_insert_guard ON vouchers",
    "DROP FUNCTION IF EXISTS fl_vouchers_insert_guard()",
    "DROP TRIGGER IF EXISTS trg_postings_insert_guard ON postings",
    "DROP FUNCTION IF EXISTS fl_postings_insert_guard()",
]


def _statement_of_0001(marker: str) -> str:
    """The frozen SQL of revision 0001 that contains ``marker`` (restored on downgrade)."""
    (statement,) = [s for s in guards_0001.PG_CREATE if marker in s]
    return statement


_SQLITE_CHAIN_LINE = (
    "      SELECT RAISE(ABORT, 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher')"
)
#: SQLite keeps its row-level guard, plus the rule PostgreSQL now states: the chain runs in id order.


def _sqlite_voucher_guard() -> str:
    (original,) = [s for s in guards_0001.SQLITE_CREATE if "CREATE TRIGGER trg_vouchers_insert_guard" in s]
    assert _SQLITE_CHAIN_LINE in original
    return original.replace(
        _SQLITE_CHAIN_LINE,
        "      SELECT RAISE(ABORT, 'fundledger:hash_chain: a voucher''s id must be above its ledger''s newest voucher')\n"
        "       WHERE NEW.id <= (SELECT MAX(id) FROM vouchers WHERE ledger_id = NEW.ledger_id);\n"
        + _SQLITE_CHAIN_LINE,
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER trg_vouchers_insert_guard")
        op.execute(_sqlite_voucher_guard())
        return
    for statement in PG_CREATE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER trg_vouchers_insert_guard")
        (original,) = [s for s in guards_0001.SQLITE_CREATE if "CREATE TRIGGER trg_vouchers_insert_guard" in s]
        op.execute(original)
        return
    for statement in PG_DROP:
        op.execute(statement)
    for name in INDEXED_GUARDS:
        op.execute(f"ALTER FUNCTION {name}() RESET enable_seqscan")
    for marker in (
        "CREATE FUNCTION fl_postings_insert_guard()",
        "CREATE TRIGGER trg_postings_insert_guard ",
        "CREATE FUNCTION fl_vouchers_insert_guard()",
        "CREATE TRIGGER trg_vouchers_insert_guard ",
        "CREATE FUNCTION fl_vouchers_chain_head()",
        "CREATE TRIGGER trg_vouchers_chain_head ",
    ):
        op.execute(_statement_of_0001(marker))
