-- Revision 0001 down, PostgreSQL: dropping each function drops its triggers (CASCADE).

-- statement
DROP FUNCTION IF EXISTS fl_refuse() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_postings_insert_guard() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_insert_guard() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_chain_head() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_vouchers_balanced() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_accounts_insert_guard() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_accounts_parent_not_leaf() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_accounts_update_guard() CASCADE;
-- statement
DROP FUNCTION IF EXISTS fl_periods_guard() CASCADE;
