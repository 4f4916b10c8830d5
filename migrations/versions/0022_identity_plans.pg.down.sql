-- Revision 0022 down, PostgreSQL: fl_staff_groups and fl_actor as revision 0018 made them (SQL).

-- statement
CREATE OR REPLACE FUNCTION fl_staff_groups(who name) RETURNS SETOF text LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(oid) AS (
        SELECT m.roleid FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
         WHERE u.rolname = who AND NOT u.rolsuper
        UNION
        SELECT m.roleid FROM up JOIN pg_roles g ON g.oid = up.oid AND NOT g.rolcanlogin
          JOIN pg_auth_members m ON m.member = up.oid)
    SELECT substr(r.rolname, char_length(current_database()) + 2) FROM up JOIN pg_roles r ON r.oid = up.oid
     WHERE NOT r.rolcanlogin AND left(r.rolname, char_length(current_database()) + 1) = current_database() || ':'
$$;

-- statement
CREATE OR REPLACE FUNCTION fl_actor() RETURNS name LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_user <> session_user
                 AND EXISTS (SELECT 1 FROM pg_roles r
                              WHERE r.rolname = current_user AND r.rolcanlogin AND NOT r.rolsuper)
                THEN current_user ELSE session_user END
$$;
