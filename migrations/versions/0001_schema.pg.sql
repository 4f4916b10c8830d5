-- Revision 0001, PostgreSQL: trigger functions and triggers for the same rules as on SQLite, with
-- the same messages. The balance of a voucher is judged at commit by a deferred constraint trigger,
-- when all of its rows are in. fl_refuse(rule, sentence) is the refusal of insert-only tables, shared
-- by the triggers of later revisions.

-- statement
CREATE FUNCTION fl_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:' || TG_ARGV[0] || ': ' || TG_ARGV[1];
    END $$;
-- statement
CREATE FUNCTION fl_postings_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:immutable_voucher: postings cannot be added to a posted voucher';
      END IF;
      IF (SELECT NOT is_leaf FROM accounts WHERE id = NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:parent_account: postings go to leaf accounts only';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_postings_insert_guard BEFORE INSERT ON postings FOR EACH ROW EXECUTE FUNCTION fl_postings_insert_guard();
-- statement
CREATE TRIGGER trg_postings_no_update BEFORE UPDATE ON postings FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are never updated; post a reversal');
-- statement
CREATE TRIGGER trg_postings_no_delete BEFORE DELETE ON postings FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are never deleted; post a reversal');
-- statement
CREATE TRIGGER trg_postings_no_truncate BEFORE TRUNCATE ON postings FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'postings are never deleted');
-- statement
CREATE TRIGGER trg_vouchers_no_update BEFORE UPDATE ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are never updated; post a reversal');
-- statement
CREATE TRIGGER trg_vouchers_no_delete BEFORE DELETE ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are never deleted; post a reversal');
-- statement
CREATE TRIGGER trg_vouchers_no_truncate BEFORE TRUNCATE ON vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'vouchers are never deleted');
-- statement
CREATE FUNCTION fl_vouchers_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM postings WHERE voucher_id = NEW.id AND ledger_id <> NEW.ledger_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:foreign_account: a posting belongs to another ledger';
      END IF;
      IF (EXTRACT(YEAR FROM NEW.voucher_date) * 100 + EXTRACT(MONTH FROM NEW.voucher_date))::int <> NEW.period THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:date_in_period: the voucher date lies outside its period';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM periods
                      WHERE ledger_id = NEW.ledger_id AND period = NEW.period AND status = 'open') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:closed_period: the period is closed or does not exist';
      END IF;
      IF NEW.number <> COALESCE((SELECT MAX(number) FROM vouchers
                                  WHERE ledger_id = NEW.ledger_id AND period = NEW.period), 0) + 1 THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger and month';
      END IF;
      IF NEW.prev_hash IS DISTINCT FROM (SELECT head_hash FROM ledgers WHERE id = NEW.ledger_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher';
      END IF;
      IF NEW.reversal_of_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM vouchers WHERE id = NEW.reversal_of_id AND ledger_id = NEW.ledger_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_vouchers_insert_guard BEFORE INSERT ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_vouchers_insert_guard();
-- statement
CREATE FUNCTION fl_vouchers_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE ledgers SET head_hash = NEW.content_hash WHERE id = NEW.ledger_id;
      RETURN NULL;
    END $$;
-- statement
CREATE TRIGGER trg_vouchers_chain_head AFTER INSERT ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_vouchers_chain_head();
-- statement
CREATE FUNCTION fl_vouchers_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      n integer;
      total bigint;
    BEGIN
      SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) INTO n, total FROM postings WHERE voucher_id = NEW.id;
      IF n < 2 OR n <> NEW.posting_count OR total <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format('fundledger:unbalanced_voucher: voucher %s has %s postings summing to %s fen',
                        NEW.id, n, total);
      END IF;
      RETURN NULL;
    END $$;
-- statement
-- The balance rule is judged at commit: a deferred constraint trigger, as in django-hordak.
CREATE CONSTRAINT TRIGGER trg_vouchers_balanced AFTER INSERT ON vouchers DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fl_vouchers_balanced();
-- statement
CREATE FUNCTION fl_accounts_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.parent_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:account_has_postings: an account that holds postings cannot get children';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_accounts_insert_guard BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION fl_accounts_insert_guard();
-- statement
CREATE FUNCTION fl_accounts_parent_not_leaf() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL THEN
        UPDATE accounts SET is_leaf = false WHERE id = NEW.parent_id AND is_leaf;
      END IF;
      RETURN NULL;
    END $$;
-- statement
CREATE TRIGGER trg_accounts_parent_not_leaf AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION fl_accounts_parent_not_leaf();
-- statement
CREATE FUNCTION fl_accounts_update_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.ledger_id <> OLD.ledger_id OR NEW.code <> OLD.code OR NEW.category <> OLD.category
         OR NEW.normal_side <> OLD.normal_side OR NEW.parent_id IS DISTINCT FROM OLD.parent_id
         OR NEW.fund_part IS DISTINCT FROM OLD.fund_part THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:account_immutable: an account''s ledger, code, category, side, parent and part are fixed';
      END IF;
      IF NEW.is_leaf AND EXISTS (SELECT 1 FROM accounts WHERE parent_id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:parent_account: an account with children cannot become a leaf';
      END IF;
      IF NOT NEW.is_leaf AND OLD.is_leaf AND EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:account_has_postings: an account that holds postings cannot become a parent';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_accounts_update_guard BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION fl_accounts_update_guard();
-- statement
CREATE FUNCTION fl_periods_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (NEW.ledger_id <> OLD.ledger_id OR NEW.period <> OLD.period) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:period_order: a period''s ledger and month are fixed';
      END IF;
      IF NEW.status = 'open' AND (TG_OP = 'INSERT' OR OLD.status = 'closed') AND EXISTS (
           SELECT 1 FROM periods WHERE ledger_id = NEW.ledger_id AND period > NEW.period AND status = 'closed') THEN
        IF TG_OP = 'INSERT' THEN
          RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:closed_period: a later month of this ledger is already closed';
        END IF;
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:period_order: reopening needs a reason and every later month open';
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.status = 'closed' AND NEW.status = 'open'
         AND (NEW.reopen_reason IS NULL OR trim(NEW.reopen_reason) = '') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:period_order: reopening needs a reason and every later month open';
      END IF;
      IF NEW.status = 'closed' AND (TG_OP = 'INSERT' OR OLD.status = 'open') AND EXISTS (
           SELECT 1 FROM periods WHERE ledger_id = NEW.ledger_id AND period < NEW.period AND status = 'open') THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:period_order: months close in order';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_periods_guard BEFORE INSERT OR UPDATE ON periods FOR EACH ROW EXECUTE FUNCTION fl_periods_guard();
-- statement
CREATE TRIGGER trg_periods_no_delete BEFORE DELETE ON periods FOR EACH ROW EXECUTE FUNCTION fl_refuse('period_order', 'periods are never deleted');
-- statement
CREATE TRIGGER trg_audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION fl_refuse('immutable_voucher', 'the audit trail is insert-only');
