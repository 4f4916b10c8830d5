-- Revision 0008 down, SQLite: this revision's triggers, and revision 0002's close guard restored
-- from a copy of its text.

-- statement
DROP TRIGGER IF EXISTS trg_vouchers_word_guard;
-- statement
DROP TRIGGER IF EXISTS trg_ledgers_voucher_words_insert;
-- statement
DROP TRIGGER IF EXISTS trg_ledgers_voucher_words_update;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_withdrawals_insert_guard;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_withdrawals_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_withdrawals_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_not_withdrawn;
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_reversal_not_withdrawn;
-- statement
DROP TRIGGER trg_periods_close_reviewed;
-- statement
CREATE TRIGGER trg_periods_close_reviewed BEFORE UPDATE OF status ON periods
    WHEN NEW.status = 'closed' AND OLD.status = 'open'
    BEGIN
      SELECT RAISE(ABORT,
             'fundledger:unreviewed_voucher: vouchers of this month await review; review them before closing')
       WHERE EXISTS (SELECT 1 FROM vouchers v JOIN ledgers l ON l.id = v.ledger_id
                       LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                      WHERE v.ledger_id = NEW.ledger_id AND v.period = NEW.period AND (l.maker_checker AND v.kind <> 'closing' AND (o.kind IS NULL OR o.kind <> 'closing'))
                        AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id));
    END;
