-- Revision 0001 down, SQLite: drops the triggers of 0001_schema.sqlite.sql.

-- statement
DROP TRIGGER IF EXISTS trg_postings_insert_guard;
-- statement
DROP TRIGGER IF EXISTS trg_postings_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_postings_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_insert_guard;
-- statement
DROP TRIGGER IF EXISTS trg_vouchers_chain_head;
-- statement
DROP TRIGGER IF EXISTS trg_accounts_insert_guard;
-- statement
DROP TRIGGER IF EXISTS trg_accounts_parent_not_leaf;
-- statement
DROP TRIGGER IF EXISTS trg_accounts_update_guard;
-- statement
DROP TRIGGER IF EXISTS trg_periods_insert_guard;
-- statement
DROP TRIGGER IF EXISTS trg_periods_update_guard;
-- statement
DROP TRIGGER IF EXISTS trg_periods_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_audit_events_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_audit_events_no_delete;
