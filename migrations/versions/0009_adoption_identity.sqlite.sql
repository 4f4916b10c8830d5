-- Revision 0009, SQLite: the adoption guards (no voucher and no open month before a ledger's
-- adoption month, one opening into an empty ledger, adopted_from fixed once set). SQLite cannot
-- tell who is at the keyboard, so identity has no trigger here: the application records the
-- operating-system user (preparer_auth/reviewer_auth 'os') or the declared name ('declared').

-- statement
CREATE TRIGGER trg_vouchers_adoption_guard BEFORE INSERT ON vouchers
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:before_adoption: the month lies before the ledger''s adoption month')
       WHERE NEW.source <> 'opening'
         AND NEW.period < (SELECT adopted_from FROM ledgers WHERE id = NEW.ledger_id);
      SELECT RAISE(ABORT, 'fundledger:adoption: opening balances go into a ledger with no vouchers, once')
       WHERE NEW.source = 'opening'
         AND (EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.ledger_id)
              OR (SELECT adopted_from FROM ledgers WHERE id = NEW.ledger_id) IS NOT NULL);
    END;
-- statement
CREATE TRIGGER trg_ledgers_adopted_from BEFORE UPDATE OF adopted_from ON ledgers
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:adoption: a ledger''s adoption month never changes')
       WHERE OLD.adopted_from IS NOT NULL AND NEW.adopted_from IS NOT OLD.adopted_from;
      SELECT RAISE(ABORT, 'fundledger:adoption: only a ledger whose one voucher is its opening is adopted')
       WHERE OLD.adopted_from IS NULL AND NEW.adopted_from IS NOT NULL
         AND EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.id AND source <> 'opening');
    END;
-- statement
CREATE TRIGGER trg_periods_adoption_insert BEFORE INSERT ON periods
    WHEN NEW.status = 'open'
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:before_adoption: a month before the adoption month is never open')
       WHERE NEW.period < (SELECT adopted_from FROM ledgers WHERE id = NEW.ledger_id);
    END;
-- statement
CREATE TRIGGER trg_periods_adoption_update BEFORE UPDATE OF status ON periods
    WHEN NEW.status = 'open'
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:before_adoption: a month before the adoption month is never open')
       WHERE NEW.period < (SELECT adopted_from FROM ledgers WHERE id = NEW.ledger_id);
    END;
