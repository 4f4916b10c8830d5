-- Revision 0013, SQLite, downgrade: drop the web-user guards.

-- statement
DROP TRIGGER trg_web_users_no_delete;
-- statement
DROP TRIGGER trg_web_users_no_rename;
