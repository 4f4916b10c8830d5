-- Revision 0008, SQLite: the guards of voucher_withdrawals, a review or reversal of a withdrawn
-- voucher refused, and the close guard of revision 0002 skipping withdrawn vouchers.

-- statement
CREATE TRIGGER trg_voucher_withdrawals_insert_guard BEFORE INSERT ON voucher_withdrawals
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:withdrawal_refused: the voucher does not exist in this ledger')
       WHERE NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id AND ledger_id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:withdrawal_refused: the ledger does not use maker-checker')
       WHERE NOT COALESCE((SELECT maker_checker FROM ledgers WHERE id = NEW.ledger_id), 0);
      SELECT RAISE(ABORT,
             'fundledger:withdrawal_refused: closing vouchers and their reversals are never withdrawn')
       WHERE EXISTS (SELECT 1 FROM vouchers v LEFT JOIN vouchers o ON o.id = v.reversal_of_id
                      WHERE v.id = NEW.voucher_id AND (v.kind = 'closing' OR o.kind = 'closing'));
      SELECT RAISE(ABORT, 'fundledger:withdrawal_refused: the voucher was already withdrawn')
       WHERE EXISTS (SELECT 1 FROM voucher_withdrawals WHERE voucher_id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:withdrawal_refused: a reviewed voucher is corrected by a reversal')
       WHERE EXISTS (SELECT 1 FROM voucher_reviews WHERE voucher_id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:withdrawal_refused: the voucher''s month is closed')
       WHERE NOT EXISTS (SELECT 1 FROM vouchers v
                           JOIN periods p ON p.ledger_id = v.ledger_id AND p.period = v.period
                          WHERE v.id = NEW.voucher_id AND p.status = 'open');
      SELECT RAISE(ABORT, 'fundledger:withdrawal_refused: the role is preparer exactly when the actor prepared the voucher')
       WHERE (NEW.role = 'preparer') <>
             (lower(trim(NEW.actor)) = (SELECT lower(trim(preparer)) FROM vouchers WHERE id = NEW.voucher_id));
    END;
-- statement
CREATE TRIGGER trg_voucher_withdrawals_no_update BEFORE UPDATE ON voucher_withdrawals
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_withdrawal: withdrawals are never updated'); END;
-- statement
CREATE TRIGGER trg_voucher_withdrawals_no_delete BEFORE DELETE ON voucher_withdrawals
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_withdrawal: withdrawals are never deleted'); END;
-- statement
CREATE TRIGGER trg_voucher_reviews_not_withdrawn BEFORE INSERT ON voucher_reviews
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:withdrawn_voucher: a withdrawn voucher is never reviewed')
       WHERE EXISTS (SELECT 1 FROM voucher_withdrawals WHERE voucher_id = NEW.voucher_id);
    END;
-- statement
CREATE TRIGGER trg_vouchers_reversal_not_withdrawn BEFORE INSERT ON vouchers
    WHEN NEW.reversal_of_id IS NOT NULL
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:withdrawn_voucher: a withdrawn voucher counts nowhere and is never reversed')
       WHERE EXISTS (SELECT 1 FROM voucher_withdrawals WHERE voucher_id = NEW.reversal_of_id);
    END;
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
                        AND NOT EXISTS (SELECT 1 FROM voucher_reviews r WHERE r.voucher_id = v.id)
                        AND NOT EXISTS (SELECT 1 FROM voucher_withdrawals w WHERE w.voucher_id = v.id));
    END;
