-- Revision 0009 down, SQLite: drop the adoption guards.

-- statement
DROP TRIGGER trg_periods_adoption_update;
-- statement
DROP TRIGGER trg_periods_adoption_insert;
-- statement
DROP TRIGGER trg_ledgers_adopted_from;
-- statement
DROP TRIGGER trg_vouchers_adoption_guard;
