-- Revision 0007 down, SQLite: drop the audited-status guard.

-- statement
DROP TRIGGER trg_periods_status_audited;
