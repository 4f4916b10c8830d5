"""Database guards and auditor views of revision 0002, per dialect.

Guards (each raises ``fundledger:<rule>: <sentence>``, mapped back by ``ledger.errors``):

- ``voucher_reviews`` is insert-only (``immutable_review``); a review must be of a voucher of its own
  ledger, in a maker-checker ledger, of a voucher that needs one (closing vouchers and the reversals
  of closing vouchers count at once: ``review_not_required``), by another user than the preparer
  (``self_review``, compared trimmed and case-insensitively), once (``already_reviewed``), while the
  voucher's month is open (``closed_period``);
- a month of a maker-checker ledger cannot be closed while one of its vouchers awaits review
  (``unreviewed_voucher``).

Views, for auditors with any SQL tool (read-only role: ``fundledger db grant-auditor``):

- ``v_vouchers``: every voucher with its audit fields — preparer, posted_at, reviewer, reviewed_at,
  whether it counts yet, the reversal links both ways, the mirrored-pair link id, its hashes;
- ``v_postings``: every posting with its voucher, account, ledger and entity, debit/credit split;
- ``v_trial_balance``: per ledger, month and leaf account the month's debit and credit totals and
  the opening and closing balances (from ``account_balances``, so only vouchers that count).

Amounts come twice: ``*_fen`` as signed or non-negative integer fen (exact everywhere) and
``*_yuan`` as exact decimal yuan — ``numeric(20,2)`` on PostgreSQL, text such as ``'-1234.50'`` on
SQLite (which has no exact decimal type). Balances are debit positive, as everywhere in fundledger.

The SQL is frozen with the revision, like ``guards_0001``.
"""

from __future__ import annotations

from alembic import op

# ------------------------------------------------------------------ shared pieces
#: A voucher ``v`` (with ``o`` its reversed original, ``l`` its ledger) needs a review.
_NEEDS_REVIEW = "(l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing'))"


def _yuan(expr: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(({expr})::numeric / 100)::numeric(20, 2)"
    return (f"(CASE WHEN ({expr}) < 0 THEN '-' ELSE '' END || CAST(abs({expr}) / 100 AS TEXT) || '.' "
            f"|| substr('0' || CAST(abs({expr}) % 100 AS TEXT), -2, 2))")


def _period_text(expr: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(({expr}) / 100)::text || '-' || lpad((({expr}) % 100)::text, 2, '0')"
    return f"printf('%04d-%02d', ({expr}) / 100, ({expr}) % 100)"


def _voucher_no(expr: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"'记-' || lpad(({expr})::text, 4, '0')"
    return f"'记-' || printf('%04d', {expr})"


def view_statements(dialect: str) -> list[str]:
    """``CREATE VIEW`` statements for ``dialect`` (``sqlite`` or ``postgresql``)."""
    needs = f"CASE WHEN {_NEEDS_REVIEW} THEN 1 ELSE 0 END"
    counted = f"CASE WHEN {_NEEDS_REVIEW} AND r.id IS NULL THEN 0 ELSE 1 END"
    v_vouchers = f"""
    CREATE VIEW v_vouchers AS
    SELECT v.id AS voucher_id,
           l.code AS ledger_code,
           e.code AS entity_code,
           e.name AS entity_name,
           l.fund AS fund,
           v.period AS period,
           {_period_text("v.period", dialect)} AS period_text,
           v.number AS number,
           {_voucher_no("v.number", dialect)} AS voucher_no,
           v.voucher_date AS voucher_date,
           v.summary AS summary,
           v.kind AS kind,
           v.source AS source,
           v.idem_key AS idem_key,
           v.preparer AS preparer,
           v.posted_at AS posted_at,
           {needs} AS review_required,
           r.reviewer AS reviewer,
           r.reviewed_at AS reviewed_at,
           {counted} AS counted,
           CASE WHEN {_NEEDS_REVIEW} THEN r.reviewed_at ELSE v.posted_at END AS counted_at,
           v.link_id AS link_id,
           v.reversal_of_id AS reversal_of_id,
           rb.id AS reversed_by_id,
           v.posting_count AS posting_count,
           d.debit_fen AS amount_fen,
           {_yuan("d.debit_fen", dialect)} AS amount_yuan,
           v.content_hash AS content_hash,
           v.prev_hash AS prev_hash
      FROM vouchers v
      JOIN ledgers l ON l.id = v.ledger_id
      JOIN entities e ON e.id = l.entity_id
      LEFT JOIN vouchers o ON o.id = v.reversal_of_id
      LEFT JOIN vouchers rb ON rb.reversal_of_id = v.id
      LEFT JOIN voucher_reviews r ON r.voucher_id = v.id
      LEFT JOIN (SELECT voucher_id, SUM(amount_fen) AS debit_fen FROM postings
                  WHERE amount_fen > 0 GROUP BY voucher_id) d ON d.voucher_id = v.id
    """
    debit = "CASE WHEN p.amount_fen > 0 THEN p.amount_fen ELSE 0 END"
    credit = "CASE WHEN p.amount_fen < 0 THEN -p.amount_fen ELSE 0 END"
    v_postings = f"""
    CREATE VIEW v_postings AS
    SELECT p.id AS posting_id,
           vv.ledger_code AS ledger_code,
           vv.entity_code AS entity_code,
           vv.entity_name AS entity_name,
           p.voucher_id AS voucher_id,
           vv.period AS period,
           vv.period_text AS period_text,
           vv.voucher_no AS voucher_no,
           vv.voucher_date AS voucher_date,
           vv.summary AS voucher_summary,
           vv.kind AS kind,
           p.line_no AS line_no,
           a.code AS account_code,
           a.name AS account_name,
           a.category AS category,
           p.amount_fen AS amount_fen,
           {debit} AS debit_fen,
           {credit} AS credit_fen,
           {_yuan(debit, dialect)} AS debit_yuan,
           {_yuan(credit, dialect)} AS credit_yuan,
           p.summary AS line_summary,
           p.counterparty AS counterparty,
           vv.counted AS counted
      FROM postings p
      JOIN v_vouchers vv ON vv.voucher_id = p.voucher_id
      JOIN accounts a ON a.id = p.account_id
    """
    v_trial_balance = f"""
    CREATE VIEW v_trial_balance AS
    SELECT t.ledger_code, t.period, {_period_text("t.period", dialect)} AS period_text,
           t.account_code, t.account_name, t.category, t.normal_side,
           t.closing_fen - t.debit_fen + t.credit_fen AS opening_fen,
           t.debit_fen, t.credit_fen, t.closing_fen,
           {_yuan("t.closing_fen - t.debit_fen + t.credit_fen", dialect)} AS opening_yuan,
           {_yuan("t.debit_fen", dialect)} AS debit_yuan,
           {_yuan("t.credit_fen", dialect)} AS credit_yuan,
           {_yuan("t.closing_fen", dialect)} AS closing_yuan
      FROM (SELECT l.code AS ledger_code, ab.period AS period, a.code AS account_code,
                   a.name AS account_name, a.category AS category, a.normal_side AS normal_side,
                   ab.debit_fen AS debit_fen, ab.credit_fen AS credit_fen,
                   SUM(ab.debit_fen - ab.credit_fen) OVER (
                       PARTITION BY ab.ledger_id, ab.account_id ORDER BY ab.period
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS closing_fen
              FROM account_balances ab
              JOIN accounts a ON a.id = ab.account_id
              JOIN ledgers l ON l.id = ab.ledger_id) t
    """
    return [v_vouchers, v_postings, v_trial_balance]


VIEWS = ["v_trial_balance", "v_postings", "v_vouchers"]  # drop order: dependants first

# ---------------------------------------------------------------- SQLite
SQLITE_CREATE = [
    """
    CREATE TRIGGER trg_voucher_reviews_insert_guard BEFORE INSERT ON voucher_reviews
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:review_not_required: the voucher does not exist in this ledger')
       WHERE NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id AND ledger_id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:self_review: a voucher is reviewed by another user than its preparer')
       WHERE lower(trim(NEW.reviewer)) =
             (SELECT lower(trim(preparer)) FROM vouchers WHERE id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:review_not_required: the ledger does not use maker-checker')
       WHERE NOT COALESCE((SELECT maker_checker FROM ledgers WHERE id = NEW.ledger_id), 0);
      SELECT RAISE(ABORT,
             'fundledger:review_not_required: closing vouchers and their reversals count without review')
       WHERE EXISTS (SELECT 1 FROM vouchers v LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                      WHERE v.id = NEW.voucher_id AND (v.kind = 'closing' OR o.kind = 'closing'));
      SELECT RAISE(ABORT, 'fundledger:already_reviewed: the voucher was already reviewed')
       WHERE EXISTS (SELECT 1 FROM voucher_reviews WHERE voucher_id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:closed_period: the voucher''s month is closed')
       WHERE NOT EXISTS (SELECT 1 FROM vouchers v
                           JOIN periods p ON p.ledger_id = v.ledger_id AND p.period = v.period
                          WHERE v.id = NEW.voucher_id AND p.status = 'open');
    END
    """,
    """
    CREATE TRIGGER trg_voucher_reviews_no_update BEFORE UPDATE ON voucher_reviews
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_review: reviews are never updated'); END
    """,
    """
    CREATE TRIGGER trg_voucher_reviews_no_delete BEFORE DELETE ON voucher_reviews
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_review: reviews are never deleted'); END
    """,
    f"""
    CREATE TRIGGER trg_periods_close_reviewed BEFORE UPDATE OF status ON periods
    WHEN NEW.status = 'closed' AND OLD.status = 'open'
    BEGIN
      SELECT RAISE(ABORT,
             'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing')
       WHERE EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                       LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                      WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND {_NEEDS_REVIEW}
                        AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id));
    END
    """,
]

SQLITE_TRIGGERS = [
    "trg_voucher_reviews_insert_guard", "trg_voucher_reviews_no_update", "trg_voucher_reviews_no_delete",
    "trg_periods_close_reviewed",
]

# ------------------------------------------------------------ PostgreSQL
_RAISE = "RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE ="

PG_CREATE = [
    f"""
    CREATE FUNCTION fl_voucher_reviews_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      v record;
    BEGIN
      SELECT vo.preparer, vo.kind, vo.period, vo.reversal_of_id, l.maker_checker INTO v
        FROM vouchers vo JOIN ledgers l ON l.id = vo.ledger_id
       WHERE vo.id = NEW.voucher_id AND vo.ledger_id = NEW.ledger_id;
      IF NOT FOUND THEN
        {_RAISE} 'fundledger:review_not_required: the voucher does not exist in this ledger';
      END IF;
      IF lower(trim(NEW.reviewer)) = lower(trim(v.preparer)) THEN
        {_RAISE} 'fundledger:self_review: a voucher is reviewed by another user than its preparer';
      END IF;
      IF NOT v.maker_checker THEN
        {_RAISE} 'fundledger:review_not_required: the ledger does not use maker-checker';
      END IF;
      IF v.kind = 'closing'
         OR EXISTS (SELECT 1 FROM vouchers o WHERE o.id = v.reversal_of_id AND o.kind = 'closing') THEN
        {_RAISE} 'fundledger:review_not_required: closing vouchers and their reversals count without review';
      END IF;
      IF EXISTS (SELECT 1 FROM voucher_reviews WHERE voucher_id = NEW.voucher_id) THEN
        {_RAISE} 'fundledger:already_reviewed: the voucher was already reviewed';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM periods
                      WHERE ledger_id = NEW.ledger_id AND period = v.period AND status = 'open') THEN
        {_RAISE} 'fundledger:closed_period: the voucher''s month is closed';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_voucher_reviews_insert_guard BEFORE INSERT ON voucher_reviews "
    "FOR EACH ROW EXECUTE FUNCTION fl_voucher_reviews_insert_guard()",
    "CREATE TRIGGER trg_voucher_reviews_no_change BEFORE UPDATE OR DELETE ON voucher_reviews FOR EACH ROW "
    "EXECUTE FUNCTION fl_refuse('immutable_review', 'reviews are never updated or deleted')",
    "CREATE TRIGGER trg_voucher_reviews_no_truncate BEFORE TRUNCATE ON voucher_reviews FOR EACH STATEMENT "
    "EXECUTE FUNCTION fl_refuse('immutable_review', 'reviews are never deleted')",
    f"""
    CREATE FUNCTION fl_periods_close_reviewed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                   LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                  WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND {_NEEDS_REVIEW}
                    AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id)) THEN
        {_RAISE}
          'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_periods_close_reviewed BEFORE UPDATE ON periods FOR EACH ROW "
    "WHEN (NEW.status = 'closed' AND OLD.status = 'open') EXECUTE FUNCTION fl_periods_close_reviewed()",
]

PG_TRIGGERS = [
    ("trg_voucher_reviews_insert_guard", "voucher_reviews"),
    ("trg_voucher_reviews_no_change", "voucher_reviews"),
    ("trg_voucher_reviews_no_truncate", "voucher_reviews"),
    ("trg_periods_close_reviewed", "periods"),
]
PG_FUNCTIONS = ["fl_voucher_reviews_insert_guard", "fl_periods_close_reviewed"]


def create_guards() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_CREATE if dialect == "sqlite" else PG_CREATE:
        op.execute(statement)


def drop_guards() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        # fl_refuse belongs to revision 0001: drop only this revision's triggers and functions.
        for trigger, table in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def create_views() -> None:
    for statement in view_statements(op.get_bind().dialect.name):
        op.execute(statement)


def drop_views() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
