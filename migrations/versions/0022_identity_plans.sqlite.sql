-- Revision 0022, SQLite: nothing changes. The identity functions it rewrites exist on PostgreSQL only.

-- statement
SELECT 1;
