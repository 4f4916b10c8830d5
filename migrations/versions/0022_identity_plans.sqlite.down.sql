-- Revision 0022 down, SQLite: nothing to undo.

-- statement
SELECT 1;
