-- Revision 0001, SQLite: one trigger per invariant of the journal, the chart, the periods and
-- the audit trail. Each refusal raises 'fundledger:<rule>: <sentence>'; ledger.errors maps it back to
-- the Python error of the same rule.

-- statement
CREATE TRIGGER trg_postings_insert_guard BEFORE INSERT ON postings
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:immutable_voucher: postings cannot be added to a posted voucher')
       WHERE EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.voucher_id);
      SELECT RAISE(ABORT, 'fundledger:parent_account: postings go to leaf accounts only')
       WHERE (SELECT is_leaf FROM accounts WHERE id = NEW.account_id) = 0;
      SELECT RAISE(ABORT, 'fundledger:amount_range: amounts are integer fen, never fractions or text')
       WHERE typeof(NEW.amount_fen) <> 'integer';
    END;
-- statement
CREATE TRIGGER trg_postings_no_update BEFORE UPDATE ON postings
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: postings are never updated; post a reversal'); END;
-- statement
CREATE TRIGGER trg_postings_no_delete BEFORE DELETE ON postings
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: postings are never deleted; post a reversal'); END;
-- statement
CREATE TRIGGER trg_vouchers_no_update BEFORE UPDATE ON vouchers
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: vouchers are never updated; post a reversal'); END;
-- statement
CREATE TRIGGER trg_vouchers_no_delete BEFORE DELETE ON vouchers
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: vouchers are never deleted; post a reversal'); END;
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
      SELECT RAISE(ABORT, 'fundledger:hash_chain: prev_hash must be the hash of the ledger''s newest voucher')
       WHERE NEW.prev_hash IS NOT (SELECT head_hash FROM ledgers WHERE id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:foreign_account: a reversal must point at a voucher of its own ledger')
       WHERE NEW.reversal_of_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM vouchers WHERE id = NEW.reversal_of_id AND ledger_id = NEW.ledger_id);
    END;
-- statement
CREATE TRIGGER trg_vouchers_chain_head AFTER INSERT ON vouchers
    BEGIN UPDATE ledgers SET head_hash = NEW.content_hash WHERE id = NEW.ledger_id; END;
-- statement
CREATE TRIGGER trg_accounts_insert_guard BEFORE INSERT ON accounts WHEN NEW.parent_id IS NOT NULL
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:account_has_postings: an account that holds postings cannot get children')
       WHERE EXISTS (SELECT 1 FROM postings WHERE account_id = NEW.parent_id);
    END;
-- statement
CREATE TRIGGER trg_accounts_parent_not_leaf AFTER INSERT ON accounts WHEN NEW.parent_id IS NOT NULL
    BEGIN UPDATE accounts SET is_leaf = 0 WHERE id = NEW.parent_id AND is_leaf = 1; END;
-- statement
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
    END;
-- statement
CREATE TRIGGER trg_periods_insert_guard BEFORE INSERT ON periods
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:closed_period: a later month of this ledger is already closed')
       WHERE NEW.status = 'open' AND EXISTS (SELECT 1 FROM periods
              WHERE ledger_id = NEW.ledger_id AND period > NEW.period AND status = 'closed');
      SELECT RAISE(ABORT, 'fundledger:period_order: months close in order')
       WHERE NEW.status = 'closed' AND EXISTS (SELECT 1 FROM periods
              WHERE ledger_id = NEW.ledger_id AND period < NEW.period AND status = 'open');
    END;
-- statement
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
    END;
-- statement
CREATE TRIGGER trg_periods_no_delete BEFORE DELETE ON periods
    BEGIN SELECT RAISE(ABORT, 'fundledger:period_order: periods are never deleted'); END;
-- statement
CREATE TRIGGER trg_audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: the audit trail is insert-only'); END;
-- statement
CREATE TRIGGER trg_audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'fundledger:immutable_voucher: the audit trail is insert-only'); END;
