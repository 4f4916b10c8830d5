-- Revision 0013, SQLite: a web user is never renamed or deleted (the books name them).

-- statement
CREATE TRIGGER trg_web_users_no_rename BEFORE UPDATE OF username ON web_users
    WHEN NEW.username <> OLD.username
    BEGIN SELECT RAISE(ABORT, 'web users are never renamed: the books record who did what by username'); END;
-- statement
CREATE TRIGGER trg_web_users_no_delete BEFORE DELETE ON web_users
    BEGIN SELECT RAISE(ABORT, 'web users are never deleted (lock them): the books record who did what by username'); END;
