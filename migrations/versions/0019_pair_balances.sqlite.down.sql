-- Revision 0019, SQLite, downgrade: drop the length guards of pair_balances.

-- statement
DROP TRIGGER trg_pair_balances_text_length_update;
-- statement
DROP TRIGGER trg_pair_balances_text_length_insert;
