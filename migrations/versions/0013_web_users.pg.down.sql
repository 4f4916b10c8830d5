-- Revision 0013, PostgreSQL, downgrade: drop the web-user guard.

-- statement
DROP TRIGGER trg_web_users_no_truncate ON web_users;
-- statement
DROP TRIGGER trg_web_users_guard ON web_users;
-- statement
DROP FUNCTION fl_web_users_guard();
