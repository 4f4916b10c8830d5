-- Revision 0005 down, PostgreSQL: the statement-level guards go; the row-level guards and the
-- chain-head trigger of revision 0001 come back (their text as in 0001_schema.pg.sql) and the
-- plan settings of the balance and account guards are reset.

-- statement
DROP TRIGGER IF EXISTS trg_vouchers_insert_guard ON vouchers;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_insert_guard();
-- statement
DROP TRIGGER IF EXISTS trg_postings_insert_guard ON postings;
-- statement
DROP FUNCTION IF EXISTS fl_postings_insert_guard();
-- statement
ALTER FUNCTION fl_vouchers_balanced() RESET enable_seqscan;
-- statement
ALTER FUNCTION fl_accounts_insert_guard() RESET enable_seqscan;
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
