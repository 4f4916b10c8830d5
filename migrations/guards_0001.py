"""Database guards of revision 0001: one trigger (or constraint) per invariant, per dialect.

Each guard raises ``fundledger:<rule>: <sentence>``. The SQLite and PostgreSQL versions enforce
the same rules; PostgreSQL checks the balance of a voucher in a deferred constraint trigger, so
the rule is judged at commit, when all of a voucher's rows are in.
"""

from __future__ import annotations

from alembic import op

# ---------------------------------------------------------------- SQLite
SQLITE_CREATE = [
    """
    CREATE TRIGGER trg_postings_insert_guard BEFORE INSERT ON postings
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:immutable_voucher: postings cannot be added to a posted voucher')
       WHERE EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:parent_account: postings go to leaf accounts only')
       WHERE (SELECT is_leaf FROM accounts WHERE id = NEW.account_id) = 0;
      SELECT RAISE(ABORT, 'fundledger:amount_range: amounts are integer fen, never fractions or text')
       WHERE typeof(NEW.amount_fen) <> 'integer';
    END
    """,
    """
    CREATE TRIGGER trg_postings_no_update BEFORE UPDATE ON postings
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: postings are never updated; post a reversal'); END
    """,
    """
    CREATE TRIGGER trg_postings_no_delete BEFORE DELETE ON postings
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: postings are never deleted; post a reversal'); END
    """,
    """
    CREATE TRIGGER trg_vouchers_no_update BEFORE UPDATE ON vouchers
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: vouchers are never updated; post a reversal'); END
    """,
    """
    CREATE TRIGGER trg_vouchers_no_delete BEFORE DELETE ON vouchers
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: vouchers are never deleted; post a reversal'); END
    """,
    """
    CREATE TRIGGER trg_vouchers_insert_guard BEFORE INSERT ON vouchers
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:unbalanced_voucher: a voucher needs two or more postings summing to zero')
       WHERE (SELECT COUNT(*) >= 2 AND COUNT(*) = NEW.posting_count AND COALESCE(SUM(amount_fen), 0) = 0
                FROM postings WHERE voucher_id = NEW.id) = 0;
      SELECT RAISE(ABORT, 'fundledger:foreign_account: a posting belongs to another ledger')
       WHERE EXISTS (SELECT 1 FROM postings WHERE voucher_id = NEW.id AND ledger_id <> NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:date_in_period: the voucher date lies outside its period')
       WHERE COALESCE(CAST(strftime('%Y%m', NEW.voucher_date) AS INTEGER), -1) <> NEW.period
          OR date(NEW.voucher_date) IS NOT NEW.voucher_date;
      SELECT RAISE(ABORT, 'fundledger:closed_period: the period is closed or does not exist')
       WHERE NOT EXISTS (SELECT 1 FROM periods
                          WHERE ledger_id = NEW.ledger_id AND period = NEW.period AND status = 'open');
      SELECT RAISE(ABORT, 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger and month')
       WHERE NEW.number <> COALESCE((SELECT MAX(number) FROM vouchers
                                      WHERE ledger_id = NEW.ledger_id AND period = NEW.period), 0) + 1;
      SELECT RAISE(ABORT, 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher')
       WHERE NEW.prev_hash IS NOT (SELECT head_hash FROM ledgers WHERE id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger')
       WHERE NEW.reversal_of_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.reversal_of_id AND ledger_id = NEW.ledger_id);
    END
    """,
    """
    CREATE TRIGGER trg_vouchers_chain_head AFTER INSERT ON vouchers
    BEGIN UPDATE ledgers SET head_hash = NEW.content_hash WHERE id = NEW.ledger_id; END
    """,
    """
    CREATE TRIGGER trg_accounts_insert_guard BEFORE INSERT ON accounts WHEN NEW.parent_id IS NOT NULL
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:account_has_postings: an account that holds postings cannot get children')
       WHERE EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.parent_id);
    END
    """,
    """
    CREATE TRIGGER trg_accounts_parent_not_leaf AFTER INSERT ON accounts WHEN NEW.parent_id IS NOT NULL
    BEGIN UPDATE accounts SET is_leaf = 0 WHERE id = NEW.parent_id AND is_leaf = 1; END
    """,
    """
    CREATE TRIGGER trg_accounts_update_guard BEFORE UPDATE ON accounts
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:account_immutable: an account''s ledger, code, category, side, parent and part are fixed')
       WHERE NEW.ledger_id <> OLD.ledger_id OR NEW.code <> OLD.code OR NEW.category <> OLD.category
          OR NEW.normal_side <> OLD.normal_side OR NEW.parent_id IS NOT OLD.parent_id
          OR NEW.fund_part IS NOT OLD.fund_part;
      SELECT RAISE(ABORT, 'fundledger:parent_account: an account with children cannot become a leaf')
       WHERE NEW.is_leaf = 1 AND EXISTS (SELECT 1 FROM accounts WHERE parent_id = NEW.id);
      SELECT RAISE(ABORT, 'fundledger:account_has_postings: an account that holds postings cannot become a parent')
       WHERE NEW.is_leaf = 0 AND OLD.is_leaf = 1 AND EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.id);
    END
    """,
    """
    CREATE TRIGGER trg_periods_insert_guard BEFORE INSERT ON periods
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:closed_period: a later month of this ledger is already closed')
       WHERE NEW.status = 'open' AND EXISTS (SELECT 1 FROM periods
              WHERE ledger_id = NEW.ledger_id AND period > NEW.period AND status = 'closed');
      SELECT RAISE(ABORT, 'fundledger:period_order: months close in order')
       WHERE NEW.status = 'closed' AND EXISTS (SELECT 1 FROM periods
              WHERE ledger_id = NEW.ledger_id AND period < NEW.period AND status = 'open');
    END
    """,
    """
    CREATE TRIGGER trg_periods_update_guard BEFORE UPDATE ON periods
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:period_order: a period''s ledger and month are fixed')
       WHERE NEW.ledger_id <> OLD.ledger_id OR NEW.period <> OLD.period;
      SELECT RAISE(ABORT, 'fundledger:period_order: months close in order')
       WHERE OLD.status = 'open' AND NEW.status = 'closed' AND EXISTS (SELECT 1 FROM periods
              WHERE ledger_id = NEW.ledger_id AND period < NEW.period AND status = 'open');
      SELECT RAISE(ABORT, 'fundledger:period_order: reopening needs a reason and every later month open')
       WHERE OLD.status = 'closed' AND NEW.status = 'open'
         AND (NEW.reopen_reason IS NULL OR trim(NEW.reopen_reason) = ''
              OR EXISTS (SELECT 1 FROM periods
                          WHERE ledger_id = NEW.ledger_id AND period > NEW.period AND status = 'closed'));
    END
    """,
    """
    CREATE TRIGGER trg_periods_no_delete BEFORE DELETE ON periods
    BEGIN SELECT RAISE(ABORT, 'fundledger:period_order: periods are never deleted'); END
    """,
    """
    CREATE TRIGGER trg_audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: the audit trail is insert-only'); END
    """,
    """
    CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: the audit trail is insert-only'); END
    """,
]

SQLITE_TRIGGERS = [
    "trg_postings_insert_guard", "trg_postings_no_update", "trg_postings_no_delete",
    "trg_vouchers_no_update", "trg_vouchers_no_delete", "trg_vouchers_insert_guard",
    "trg_vouchers_chain_head", "trg_accounts_insert_guard", "trg_accounts_parent_not_leaf",
    "trg_accounts_update_guard", "trg_periods_insert_guard", "trg_periods_update_guard",
    "trg_periods_no_delete", "trg_audit_events_no_update", "trg_audit_events_no_delete",
]

# ------------------------------------------------------------ PostgreSQL
_RAISE = "RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE ="

PG_CREATE = [
    f"""
    CREATE FUNCTION fl_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_RAISE} 'fundledger:' || TG_ARGV[0] || ': ' || TG_ARGV[1];
    END $$
    """,
    f"""
    CREATE FUNCTION fl_postings_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id) THEN
        {_RAISE} 'fundledger:immutable_voucher: postings cannot be added to a posted voucher';
      END IF;
      IF (SELECT NOT is_leaf FROM accounts WHERE id = NEW.account_id) THEN
        {_RAISE} 'fundledger:parent_account: postings go to leaf accounts only';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_postings_insert_guard BEFORE INSERT ON postings "
    "FOR EACH ROW EXECUTE FUNCTION fl_postings_insert_guard()",
    "CREATE TRIGGER trg_postings_no_update BEFORE UPDATE ON postings FOR EACH ROW EXECUTE FUNCTION "
    "fl_refuse('immutable_voucher', 'postings are never updated; post a reversal')",
    "CREATE TRIGGER trg_postings_no_delete BEFORE DELETE ON postings FOR EACH ROW EXECUTE FUNCTION "
    "fl_refuse('immutable_voucher', 'postings are never deleted; post a reversal')",
    "CREATE TRIGGER trg_postings_no_truncate BEFORE TRUNCATE ON postings FOR EACH STATEMENT EXECUTE FUNCTION "
    "fl_refuse('immutable_voucher', 'postings are never deleted')",
    "CREATE TRIGGER trg_vouchers_no_update BEFORE UPDATE ON vouchers FOR EACH ROW EXECUTE FUNCTION "
    "fl_refuse('immutable_voucher', 'vouchers are never updated; post a reversal')",
    "CREATE TRIGGER trg_vouchers_no_delete BEFORE DELETE ON vouchers FOR EACH ROW EXECUTE FUNCTION "
    "fl_refuse('immutable_voucher', 'vouchers are never deleted; post a reversal')",
    "CREATE TRIGGER trg_vouchers_no_truncate BEFORE TRUNCATE ON vouchers FOR EACH STATEMENT EXECUTE FUNCTION "
    "fl_refuse('immutable_voucher', 'vouchers are never deleted')",
    f"""
    CREATE FUNCTION fl_vouchers_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM postings WHERE voucher_id = NEW.id AND ledger_id <> NEW.ledger_id) THEN
        {_RAISE} 'fundledger:foreign_account: a posting belongs to another ledger';
      END IF;
      IF (EXTRACT(YEAR FROM NEW.voucher_date) * 100 + EXTRACT(MONTH FROM NEW.voucher_date))::int <> NEW.period THEN
        {_RAISE} 'fundledger:date_in_period: the voucher date lies outside its period';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM periods
                      WHERE ledger_id = NEW.ledger_id AND period = NEW.period AND status = 'open') THEN
        {_RAISE} 'fundledger:closed_period: the period is closed or does not exist';
      END IF;
      IF NEW.number <> COALESCE((SELECT MAX(number) FROM vouchers
                                  WHERE ledger_id = NEW.ledger_id AND period = NEW.period), 0) + 1 THEN
        {_RAISE} 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger and month';
      END IF;
      IF NEW.prev_hash IS DISTINCT FROM (SELECT head_hash FROM ledgers WHERE id = NEW.ledger_id) THEN
        {_RAISE} 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher';
      END IF;
      IF NEW.reversal_of_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM vouchers WHERE id = NEW.reversal_of_id AND ledger_id = NEW.ledger_id) THEN
        {_RAISE} 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_vouchers_insert_guard BEFORE INSERT ON vouchers "
    "FOR EACH ROW EXECUTE FUNCTION fl_vouchers_insert_guard()",
    """
    CREATE FUNCTION fl_vouchers_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ledgers SET head_hash = NEW.content_hash WHERE id = NEW.ledger_id;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER trg_vouchers_chain_head AFTER INSERT ON vouchers "
    "FOR EACH ROW EXECUTE FUNCTION fl_vouchers_chain_head()",
    f"""
    CREATE FUNCTION fl_vouchers_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      n integer;
      total bigint;
    BEGIN
      SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) INTO n, total FROM postings WHERE voucher_id = NEW.id;
      IF n < 2 OR n <> NEW.posting_count OR total <> 0 THEN
        {_RAISE} format('fundledger:unbalanced_voucher: voucher %s has %s postings summing to %s fen',
                        NEW.id, n, total);
      END IF;
      RETURN NULL;
    END $$
    """,
    # The balance rule is judged at commit: a deferred constraint trigger, as in django-hordak.
    "CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT ON vouchers "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fl_vouchers_balanced()",
    f"""
    CREATE FUNCTION fl_accounts_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.parent_id) THEN
        {_RAISE} 'fundledger:account_has_postings: an account that holds postings cannot get children';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_accounts_insert_guard BEFORE INSERT ON accounts "
    "FOR EACH ROW EXECUTE FUNCTION fl_accounts_insert_guard()",
    """
    CREATE FUNCTION fl_accounts_parent_not_leaf() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL THEN
        UPDATE accounts SET is_leaf = false WHERE id = NEW.parent_id AND is_leaf;
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER trg_accounts_parent_not_leaf AFTER INSERT ON accounts "
    "FOR EACH ROW EXECUTE FUNCTION fl_accounts_parent_not_leaf()",
    f"""
    CREATE FUNCTION fl_accounts_update_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.ledger_id <> OLD.ledger_id OR NEW.code <> OLD.code OR NEW.category <> OLD.category
         OR NEW.normal_side <> OLD.normal_side OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
         OR NEW.fund_part IS DISTINCT FROM OLD.fund_part THEN
        {_RAISE} 'fundledger:account_immutable: an account''s ledger, code, category, side, parent and part are fixed';
      END IF;
      IF NEW.is_leaf AND EXISTS (SELECT 1 FROM accounts WHERE parent_id = NEW.id) THEN
        {_RAISE} 'fundledger:parent_account: an account with children cannot become a leaf';
      END IF;
      IF NOT NEW.is_leaf AND OLD.is_leaf AND EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.id) THEN
        {_RAISE} 'fundledger:account_has_postings: an account that holds postings cannot become a parent';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_accounts_update_guard BEFORE UPDATE ON accounts "
    "FOR EACH ROW EXECUTE FUNCTION fl_accounts_update_guard()",
    f"""
    CREATE FUNCTION fl_periods_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (NEW.ledger_id <> OLD.ledger_id OR NEW.period <> OLD.period) THEN
        {_RAISE} 'fundledger:period_order: a period''s ledger and month are fixed';
      END IF;
      IF NEW.status = 'open' AND (TG_OP = 'INSERT' OR OLD.status = 'closed') AND EXISTS (
           SELECT 1 FROM periods WHERE ledger_id = NEW.ledger_id AND period > NEW.period AND status = 'closed') THEN
        IF TG_OP = 'INSERT' THEN
          {_RAISE} 'fundledger:closed_period: a later month of this ledger is already closed';
        END IF;
        {_RAISE} 'fundledger:period_order: reopening needs a reason and every later month open';
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.status = 'closed' AND NEW.status = 'open'
         AND (NEW.reopen_reason IS NULL OR trim(NEW.reopen_reason) = '') THEN
        {_RAISE} 'fundledger:period_order: reopening needs a reason and every later month open';
      END IF;
      IF NEW.status = 'closed' AND (TG_OP = 'INSERT' OR OLD.status = 'open') AND EXISTS (
           SELECT 1 FROM periods WHERE ledger_id = NEW.ledger_id AND period < NEW.period AND status = 'open') THEN
        {_RAISE} 'fundledger:period_order: months close in order';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER trg_periods_guard BEFORE INSERT OR UPDATE ON periods "
    "FOR EACH ROW EXECUTE FUNCTION fl_periods_guard()",
    "CREATE TRIGGER trg_periods_no_delete BEFORE DELETE ON periods FOR EACH ROW EXECUTE FUNCTION "
    "fl_refuse('period_order', 'periods are never deleted')",
    "CREATE TRIGGER trg_audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW "
    "EXECUTE FUNCTION fl_refuse('immutable_voucher', 'the audit trail is insert-only')",
]

PG_FUNCTIONS = [
    "fl_refuse", "fl_postings_insert_guard", "fl_vouchers_insert_guard", "fl_vouchers_chain_head",
    "fl_vouchers_balanced", "fl_accounts_insert_guard", "fl_accounts_parent_not_leaf",
    "fl_accounts_update_guard", "fl_periods_guard",
]


def create_guards() -> None:
    dialect = op.get_bind().dialect.name
    statements = SQLITE_CREATE if dialect == "sqlite" else PG_CREATE
    for statement in statements:
        op.execute(statement)


def drop_guards() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
