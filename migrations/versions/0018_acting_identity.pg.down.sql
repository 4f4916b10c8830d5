-- Revision 0018 down, PostgreSQL: the identity functions of revision 0009 as they were (reading
-- session_user), copied from its frozen text; then the acting-role helpers go.

-- statement
CREATE OR REPLACE FUNCTION fl_staff_role(what text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles r
                    WHERE r.rolname = current_database() || ':' || what
                      AND pg_has_role(session_user, r.oid, 'MEMBER'))
       AND NOT EXISTS (SELECT 1 FROM pg_roles u WHERE u.rolname = session_user AND u.rolsuper)
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_is_clerk() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles r
                    WHERE r.rolname IN (current_database() || ':' || '制单', current_database() || ':' || '审核',
                                        current_database() || ':' || '记账', current_database() || ':' || '主管')
                      AND pg_has_role(session_user, r.oid, 'MEMBER'))
       AND NOT EXISTS (SELECT 1 FROM pg_roles u WHERE u.rolname = session_user AND u.rolsuper)
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_vouchers_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF fl_is_clerk() THEN
        IF NOT (fl_staff_role('制单') OR fl_staff_role('记账') OR fl_staff_role('主管')) THEN
          RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'fundledger:prepare_rights: the login '
                || session_user || ' holds no 制单 rights';
        END IF;
        NEW.preparer := session_user;
        NEW.preparer_auth := 'login';
      ELSIF NEW.preparer = session_user THEN
        NEW.preparer_auth := 'login';
      ELSE
        NEW.preparer_auth := 'declared';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_voucher_reviews_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF fl_is_clerk() THEN
        IF NOT (fl_staff_role('审核') OR fl_staff_role('主管')) THEN
          RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'fundledger:review_rights: the login '
                || session_user || ' holds no 审核 rights';
        END IF;
        NEW.reviewer := session_user;
        NEW.reviewer_auth := 'login';
      ELSIF NEW.reviewer = session_user THEN
        NEW.reviewer_auth := 'login';
      ELSE
        NEW.reviewer_auth := 'declared';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_audit_events_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF fl_is_clerk() THEN
        NEW.actor := session_user;
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE OR REPLACE FUNCTION fl_periods_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF fl_is_clerk() THEN
        IF NEW.closed_by IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.closed_by IS DISTINCT FROM OLD.closed_by
                                          OR NEW.closed_at IS DISTINCT FROM OLD.closed_at) THEN
          NEW.closed_by := session_user;
        END IF;
        IF NEW.reopened_by IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.reopened_by IS DISTINCT FROM OLD.reopened_by
                                            OR NEW.reopened_at IS DISTINCT FROM OLD.reopened_at) THEN
          NEW.reopened_by := session_user;
        END IF;
      END IF;
      RETURN NEW;
    END
$$;
-- statement
DROP FUNCTION fl_actor();
-- statement
DROP FUNCTION fl_staff_groups(name);
