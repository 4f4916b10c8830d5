-- Revision 0018, PostgreSQL: the identity triggers of revision 0009 record the acting role. After
-- SET ROLE to another login role (the web server acting for a user, SET LOCAL ROLE) that role is
-- the actor (current_user); otherwise the login (session_user). A clerk is a login that reaches a
-- staff group <database>:制单|审核|记账|主管 through group (NOLOGIN) roles only, so the server's
-- login, a member of its users' logins, is no clerk itself. No function here is SECURITY DEFINER:
-- inside one, current_user would be its owner.

-- statement
-- The staff roles (制单, 审核, …) of this database that the role `who` holds through group roles
-- only: a membership reached through another login role (the server login is a member of its
-- users' logins) does not count, and a superuser holds none.
CREATE FUNCTION fl_staff_groups(who name) RETURNS SETOF text LANGUAGE sql STABLE AS $$
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
-- Who acts: current_user when the session has switched (SET ROLE) to another login role that is
-- no superuser — PostgreSQL allows that only to a member of the role — else session_user. A group
-- role switched to (SET ROLE "<database>:制单") never replaces the login.
CREATE FUNCTION fl_actor() RETURNS name LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_user <> session_user
                 AND EXISTS (SELECT 1 FROM pg_roles r
                              WHERE r.rolname = current_user AND r.rolcanlogin AND NOT r.rolsuper)
                THEN current_user ELSE session_user END
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_staff_role(what text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM fl_staff_groups(fl_actor()) g WHERE g = what)
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_is_clerk() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM fl_staff_groups(fl_actor()) g WHERE g IN ('制单', '审核', '记账', '主管'))
$$;
-- statement
-- One catalogue query per row written (it runs for every voucher of a batch): the actor's staff
-- roles are read once.
CREATE OR REPLACE FUNCTION fl_vouchers_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      actor name := fl_actor();
      held text[] := ARRAY(SELECT fl_staff_groups(actor));
    BEGIN
      IF held && ARRAY['制单', '审核', '记账', '主管'] THEN
        IF NOT held && ARRAY['制单', '记账', '主管'] THEN
          RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'fundledger:prepare_rights: the login '
                || actor || ' holds no 制单 rights';
        END IF;
        NEW.preparer := actor;
        NEW.preparer_auth := 'login';
      ELSIF NEW.preparer = actor THEN
        NEW.preparer_auth := 'login';
      ELSE
        NEW.preparer_auth := 'declared';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
-- Fires before trg_voucher_reviews_insert_guard (name order), so the self-review check of
-- revision 0002 compares the acting roles.
CREATE OR REPLACE FUNCTION fl_voucher_reviews_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      actor name := fl_actor();
      held text[] := ARRAY(SELECT fl_staff_groups(actor));
    BEGIN
      IF held && ARRAY['制单', '审核', '记账', '主管'] THEN
        IF NOT held && ARRAY['审核', '主管'] THEN
          RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'fundledger:review_rights: the login '
                || actor || ' holds no 审核 rights';
        END IF;
        NEW.reviewer := actor;
        NEW.reviewer_auth := 'login';
      ELSIF NEW.reviewer = actor THEN
        NEW.reviewer_auth := 'login';
      ELSE
        NEW.reviewer_auth := 'declared';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
-- The audit trail: a clerk is recorded as itself. After SET ROLE the detail (a JSON object) also
-- keeps the session's login and the name the application sent, so an auditor sees both
-- ("zhang_db" acting through "fundledger_web" for web user "zhang"); a detail that is no JSON
-- object, or that would outgrow its limit, is left as written.
CREATE OR REPLACE FUNCTION fl_audit_events_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      actor name := fl_actor();
      extra text;
      body text;
    BEGIN
      IF actor <> session_user THEN
        extra := '"session_login": ' || to_json(session_user::text)::text;
        IF NEW.actor IS DISTINCT FROM actor::text THEN
          extra := extra || ', "declared_actor": ' || to_json(NEW.actor)::text;
        END IF;
        body := btrim(coalesce(NEW.detail, ''));
        IF body = '' THEN
          body := '{}';
        END IF;
        BEGIN
          IF json_typeof(body::json) = 'object' THEN
            body := rtrim(left(body, -1));
            body := body || CASE WHEN body ~ '^\{\s*$' THEN '' ELSE ', ' END || extra || '}';
            IF char_length(body) <= 20000 THEN
              NEW.detail := body;
            END IF;
          END IF;
        EXCEPTION WHEN invalid_text_representation THEN
          NULL;  -- not JSON: left as written
        END;
      END IF;
      IF EXISTS (SELECT 1 FROM fl_staff_groups(actor) g WHERE g IN ('制单', '审核', '记账', '主管')) THEN
        NEW.actor := actor;
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_periods_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      actor name := fl_actor();
    BEGIN
      IF EXISTS (SELECT 1 FROM fl_staff_groups(actor) g WHERE g IN ('制单', '审核', '记账', '主管')) THEN
        IF NEW.closed_by IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.closed_by IS DISTINCT FROM OLD.closed_by
                                          OR NEW.closed_at IS DISTINCT FROM OLD.closed_at) THEN
          NEW.closed_by := actor;
        END IF;
        IF NEW.reopened_by IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.reopened_by IS DISTINCT FROM OLD.reopened_by
                                            OR NEW.reopened_at IS DISTINCT FROM OLD.reopened_at) THEN
          NEW.reopened_by := actor;
        END IF;
      END IF;
      RETURN NEW;
    END
$$;
