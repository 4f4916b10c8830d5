-- Revision 0013, PostgreSQL: a web user is never renamed or deleted, TRUNCATE included (the books name them).

-- statement
CREATE FUNCTION fl_web_users_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'web users are never deleted (lock them): the books record who did what by username'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.username <> OLD.username THEN
        RAISE EXCEPTION 'web users are never renamed: the books record who did what by username'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- statement
CREATE TRIGGER trg_web_users_guard BEFORE UPDATE OR DELETE ON web_users
    FOR EACH ROW EXECUTE FUNCTION fl_web_users_guard();
-- statement
CREATE TRIGGER trg_web_users_no_truncate BEFORE TRUNCATE ON web_users
    FOR EACH STATEMENT EXECUTE FUNCTION fl_refuse('immutable_voucher', 'web users are never deleted (lock them)');
