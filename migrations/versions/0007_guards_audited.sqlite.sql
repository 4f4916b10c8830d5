-- Revision 0007, SQLite: a month's status changes only after the audit event of that change
-- (SQLite has no TRUNCATE; DELETE on periods and audit_events is refused since revision 0001).
-- The older guards on period updates are then re-created unchanged (copies of their text as revisions
-- 0001, 0002, 0008 and 0009 left it: they come before this revision in the chain) so that, SQLite firing the newest trigger first, their more specific refusals still come
-- before this one.

-- statement
CREATE TRIGGER trg_periods_status_audited BEFORE UPDATE OF status ON periods
    WHEN NEW.status IS NOT OLD.status
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:period_order: a month is closed or reopened only through close / reopen, which record the audit event first')
       WHERE NOT EXISTS (
             SELECT 1 FROM audit_events e
              WHERE e.ledger_id = NEW.ledger_id
                AND e.action = CASE NEW.status WHEN 'closed' THEN 'period.close' ELSE 'period.reopen' END
                AND instr(e.detail, '"period": "' || printf('%04d-%02d', NEW.period / 100, NEW.period % 100) || '"') > 0
                AND e.id > COALESCE((
                    SELECT MAX(x.id) FROM audit_events x
                     WHERE x.ledger_id = NEW.ledger_id
                       AND x.action = CASE NEW.status WHEN 'closed' THEN 'period.reopen' ELSE 'period.close' END
                       AND instr(x.detail, '"period": "' || printf('%04d-%02d', NEW.period / 100, NEW.period % 100) || '"') > 0), 0));
    END;
-- statement
DROP TRIGGER trg_periods_update_guard;
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
DROP TRIGGER trg_periods_adoption_update;
-- statement
CREATE TRIGGER trg_periods_adoption_update BEFORE UPDATE OF status ON periods
    WHEN NEW.status = 'open'
    BEGIN
      SELECT RAISE(ABORT, 'fundledger:before_adoption: a month before the adoption month is never open')
       WHERE NEW.period < (SELECT adopted_from FROM ledgers WHERE id = NEW.ledger_id);
    END;
