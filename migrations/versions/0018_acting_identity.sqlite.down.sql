-- Revision 0018 down, SQLite: nothing to undo.

-- statement
SELECT 1;
