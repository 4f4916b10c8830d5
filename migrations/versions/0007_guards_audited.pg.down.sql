-- Revision 0007 down, PostgreSQL: drop what 0007 created.

-- statement
DROP TRIGGER trg_entities_no_truncate ON entities;
-- statement
DROP TRIGGER trg_ledgers_no_truncate ON ledgers;
-- statement
DROP TRIGGER trg_accounts_no_truncate ON accounts;
-- statement
DROP TRIGGER trg_periods_no_truncate ON periods;
-- statement
DROP TRIGGER trg_account_balances_no_truncate ON account_balances;
-- statement
DROP TRIGGER trg_audit_events_no_truncate ON audit_events;
-- statement
DROP TRIGGER trg_fund_inputs_no_truncate ON fund_inputs;
-- statement
DROP TRIGGER trg_periods_status_audited ON periods;
-- statement
DROP FUNCTION fl_periods_status_audited();
