-- Revision 0002 down, SQLite: the views (dependants first), then the triggers.

-- statement
DROP VIEW IF EXISTS v_trial_balance;
-- statement
DROP VIEW IF EXISTS v_postings;
-- statement
DROP VIEW IF EXISTS v_vouchers;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_insert_guard;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_no_update;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_no_delete;
-- statement
DROP TRIGGER IF EXISTS trg_periods_close_reviewed;
