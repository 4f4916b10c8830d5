-- Revision 0008 down, PostgreSQL: this revision's triggers and functions, and revision 0002's close
-- guard function restored from a copy of its text.

-- statement
DROP TRIGGER IF EXISTS trg_vouchers_word_guard ON vouchers;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_word_guard();
-- statement
DROP TRIGGER IF EXISTS trg_ledgers_voucher_words_insert ON ledgers;
-- statement
DROP TRIGGER IF EXISTS trg_ledgers_voucher_words_update ON ledgers;
-- statement
DROP FUNCTION IF EXISTS fl_ledgers_voucher_words_guard();
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_reversal_not_withdrawn ON vouchers;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_reversal_not_withdrawn();
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_not_withdrawn ON voucher_reviews;
-- statement
DROP FUNCTION IF EXISTS fl_voucher_reviews_not_withdrawn();
-- statement
DROP TRIGGER IF EXISTS trg_voucher_withdrawals_insert_guard ON voucher_withdrawals;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_withdrawals_no_change ON voucher_withdrawals;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_withdrawals_no_truncate ON voucher_withdrawals;
-- statement
DROP FUNCTION IF EXISTS fl_voucher_withdrawals_insert_guard();
-- statement
CREATE OR REPLACE FUNCTION fl_periods_close_reviewed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                   LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                  WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing'))
                    AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE =
          'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing';
      END IF;
      RETURN NEW;
    END $$;
