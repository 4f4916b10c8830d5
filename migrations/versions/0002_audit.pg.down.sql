-- Revision 0002 down, PostgreSQL: the views (dependants first), then this revision's triggers and
-- functions; fl_refuse belongs to revision 0001 and stays.

-- statement
DROP VIEW IF EXISTS v_trial_balance;
-- statement
DROP VIEW IF EXISTS v_postings;
-- statement
DROP VIEW IF EXISTS v_vouchers;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_insert_guard ON voucher_reviews;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_no_change ON voucher_reviews;
-- statement
DROP TRIGGER IF EXISTS trg_voucher_reviews_no_truncate ON voucher_reviews;
-- statement
DROP TRIGGER IF EXISTS trg_periods_close_reviewed ON periods;
-- statement
DROP FUNCTION IF EXISTS fl_voucher_reviews_insert_guard();
-- statement
DROP FUNCTION IF EXISTS fl_periods_close_reviewed();
