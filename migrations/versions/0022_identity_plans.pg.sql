-- Revision 0022, PostgreSQL: fl_staff_groups and fl_actor (revision 0018) in PL/pgSQL, the same
-- queries. As SQL functions they could not be inlined (a set-returning function in a target list,
-- a sub-select in a scalar one), so every call from a trigger planned their catalogue queries
-- again: fl_vouchers_identity, which runs for every voucher row written, spent 0.8 ms a row on that
-- (7.9 s of the server's time for a 10k-voucher import). PL/pgSQL keeps each statement's plan for
-- the session, so a call costs its execution only (0.08 ms a row). Same answers, same callers; no
-- function here is SECURITY DEFINER (inside one, current_user would be its owner).

-- statement
-- The staff roles (制单, 审核, …) of this database that the role `who` holds through group roles
-- only: a membership reached through another login role (the server login is a member of its
-- users' logins) does not count, and a superuser holds none.
CREATE OR REPLACE FUNCTION fl_staff_groups(who name) RETURNS SETOF text LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN QUERY
      WITH RECURSIVE up(oid) AS (
          SELECT m.roleid FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
           WHERE u.rolname = who AND NOT u.rolsuper
          UNION
          SELECT m.roleid FROM up JOIN pg_roles g ON g.oid = up.oid AND NOT g.rolcanlogin
            JOIN pg_auth_members m ON m.member = up.oid)
      SELECT substr(r.rolname, char_length(current_database()) + 2) FROM up JOIN pg_roles r ON r.oid = up.oid
       WHERE NOT r.rolcanlogin AND left(r.rolname, char_length(current_database()) + 1) = current_database() || ':';
    END
$$;

-- statement
-- The acting role: after SET ROLE to another login role, that role; otherwise the login.
CREATE OR REPLACE FUNCTION fl_actor() RETURNS name LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN CASE WHEN current_user <> session_user
                   AND EXISTS (SELECT 1 FROM pg_roles r
                                WHERE r.rolname = current_user AND r.rolcanlogin AND NOT r.rolsuper)
                  THEN current_user ELSE session_user END;
    END
$$;
