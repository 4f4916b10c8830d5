-- Revision 0007, PostgreSQL: TRUNCATE refused on every table of the books that revision 0001-0004
-- left without a guard, and a month's status changed only after the audit event of that change.

-- statement
CREATE TRIGGER trg_entities_no_truncate BEFORE TRUNCATE ON entities FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'entities are never truncated');
-- statement
CREATE TRIGGER trg_ledgers_no_truncate BEFORE TRUNCATE ON ledgers FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'ledgers are never truncated');
-- statement
CREATE TRIGGER trg_accounts_no_truncate BEFORE TRUNCATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'accounts are never truncated');
-- statement
CREATE TRIGGER trg_periods_no_truncate BEFORE TRUNCATE ON periods FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'periods are never truncated');
-- statement
CREATE TRIGGER trg_account_balances_no_truncate BEFORE TRUNCATE ON account_balances FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'account_balances are never truncated');
-- statement
CREATE TRIGGER trg_audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'audit_events are never truncated');
-- statement
CREATE TRIGGER trg_fund_inputs_no_truncate BEFORE TRUNCATE ON fund_inputs FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'fund_inputs are never truncated');
-- statement
CREATE FUNCTION fl_periods_status_audited() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      month text := lpad((NEW.period / 100)::text, 4, '0') || '-' || lpad((NEW.period % 100)::text, 2, '0');
      wanted text := CASE NEW.status WHEN 'closed' THEN 'period.close' ELSE 'period.reopen' END;
      undone text := CASE NEW.status WHEN 'closed' THEN 'period.reopen' ELSE 'period.close' END;
    BEGIN
      IF NOT EXISTS (
           SELECT 1 FROM audit_events e
            WHERE e.ledger_id = NEW.ledger_id AND e.action = wanted
              AND strpos(e.detail, '"period": "' || month || '"') > 0
              AND e.id > COALESCE((SELECT MAX(x.id) FROM audit_events x
                                    WHERE x.ledger_id = NEW.ledger_id AND x.action = undone
                                      AND strpos(x.detail, '"period": "' || month || '"') > 0), 0)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'fundledger:period_order: a month is closed or reopened only through close / reopen, which record the audit event first';
      END IF;
      RETURN NEW;
    END $$;
-- statement
CREATE TRIGGER trg_periods_status_audited BEFORE UPDATE OF status ON periods FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION fl_periods_status_audited();
