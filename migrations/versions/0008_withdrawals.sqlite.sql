-- Revision 0008, SQLite: the guards of voucher_withdrawals, a review or reversal of a withdrawn
-- voucher refused, the close guard of revision 0002 skipping withdrawn vouchers, and 凭证字.

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
-- statement
CREATE TRIGGER trg_vouchers_word_guard BEFORE INSERT ON vouchers
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:voucher_word: the 凭证字 is not one of its ledger''s')
       WHERE NOT EXISTS (SELECT 1 FROM ledgers l WHERE l.id = NEW.ledger_id
                           AND ((l.voucher_words = '记' AND NEW.word = '记' AND NEW.word_number IS NULL)
                             OR (l.voucher_words = '收付转' AND NEW.word IN ('收', '付', '转')
                                 AND NEW.word_number IS NOT NULL)));
      SELECT RAISE(ABORT, 'fundledger:voucher_number_gap: voucher numbers run without gaps per ledger, month and 凭证字')
       WHERE NEW.word_number IS NOT NULL
         AND NEW.word_number <> COALESCE((SELECT MAX(word_number) FROM vouchers
                                           WHERE ledger_id = NEW.ledger_id AND period = NEW.period
                                             AND word = NEW.word), 0) + 1;
    END;
-- statement
CREATE TRIGGER trg_ledgers_voucher_words_insert BEFORE INSERT ON ledgers
    WHEN NEW.voucher_words NOT IN ('记', '收付转')
    BEGIN SELECT RAISE(ABORT, 'fundledger:voucher_word: a ledger''s 凭证字 are 记 or 收付转'); END;
-- statement
CREATE TRIGGER trg_ledgers_voucher_words_update BEFORE UPDATE OF voucher_words ON ledgers
    WHEN NEW.voucher_words IS NOT OLD.voucher_words
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:voucher_word: a ledger''s 凭证字 are 记 or 收付转')
       WHERE NEW.voucher_words NOT IN ('记', '收付转');
      SELECT RAISE(ABORT, 'fundledger:voucher_word: a ledger''s 凭证字 are chosen before its first voucher')
       WHERE EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.id);
    END;
