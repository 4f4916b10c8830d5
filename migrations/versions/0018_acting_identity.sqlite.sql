-- Revision 0018, SQLite: nothing changes. SQLite has no logins and no SET ROLE; the acting user is
-- the operating-system user or the declared name, recorded by the application (revision 0009).

-- statement
SELECT 1;
