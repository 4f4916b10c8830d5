-- Revision 0005, SQLite: the row-level voucher guard of revision 0001 stays, with the rule
-- PostgreSQL now states added before the chain rule: a voucher's id is above its ledger's newest.

-- statement
DROP TRIGGER trg_vouchers_insert_guard;
-- statement
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
      SELECT RAISE(ABORT, 'fundledger:hash_chain: a voucher''s id must be above its ledger''s newest voucher')
       WHERE NEW.id <= (SELECT MAX(id) FROM vouchers WHERE ledger_id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher')
       WHERE NEW.prev_hash IS NOT (SELECT head_hash FROM ledgers WHERE id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger')
       WHERE NEW.reversal_of_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.reversal_of_id AND ledger_id = NEW.ledger_id);
    END;
