-- Revision 0019, PostgreSQL, downgrade: drop the TRUNCATE guard of pair_balances.

-- statement
DROP TRIGGER trg_pair_balances_no_truncate ON pair_balances;
