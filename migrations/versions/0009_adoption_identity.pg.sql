-- Revision 0009, PostgreSQL: the adoption guards (as on SQLite), and identity recorded by the
-- database: a clerk login (a member of a staff role <database>:制单|审核|记账|主管) is written as
-- session_user whatever the application sent, and needs the rights of the act.

-- statement
-- A superuser is a member of every role for pg_has_role, yet no clerk: it is left out.
CREATE FUNCTION fl_staff_role(what text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles r
                    WHERE r.rolname = current_database() || ':' || what
                      AND pg_has_role(session_user, r.oid, 'MEMBER'))
       AND NOT EXISTS (SELECT 1 FROM pg_roles u WHERE u.rolname = session_user AND u.rolsuper)
$$;
-- statement
-- One catalogue query per row written (it runs for every voucher of a batch).
CREATE FUNCTION fl_is_clerk() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles r
                    WHERE r.rolname IN (current_database() || ':' || '制单', current_database() || ':' || '审核',
                                        current_database() || ':' || '记账', current_database() || ':' || '主管')
                      AND pg_has_role(session_user, r.oid, 'MEMBER'))
       AND NOT EXISTS (SELECT 1 FROM pg_roles u WHERE u.rolname = session_user AND u.rolsuper)
$$;
-- statement
CREATE FUNCTION fl_vouchers_identity() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trg_vouchers_identity BEFORE INSERT ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_vouchers_identity();
-- statement
-- Named to fire before trg_voucher_reviews_insert_guard (PostgreSQL fires a table's triggers in
-- name order), so the self-review check of revision 0002 compares the logins.
CREATE FUNCTION fl_voucher_reviews_identity() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trg_voucher_reviews_identity BEFORE INSERT ON voucher_reviews FOR EACH ROW EXECUTE FUNCTION fl_voucher_reviews_identity();
-- statement
-- The audit trail and the month's closer/reopener: a clerk login is recorded as itself too.
CREATE FUNCTION fl_audit_events_identity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF fl_is_clerk() THEN
        NEW.actor := session_user;
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE TRIGGER trg_audit_events_identity BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fl_audit_events_identity();
-- statement
CREATE FUNCTION fl_periods_identity() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER trg_periods_identity BEFORE INSERT OR UPDATE ON periods FOR EACH ROW EXECUTE FUNCTION fl_periods_identity();
-- statement
CREATE FUNCTION fl_vouchers_adoption_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE adopted integer;
    BEGIN
      SELECT adopted_from INTO adopted FROM ledgers WHERE id = NEW.ledger_id;
      IF NEW.source <> 'opening' AND NEW.period < adopted THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:before_adoption: the month lies before the ledger''s adoption month';
      END IF;
      IF NEW.source = 'opening' AND (adopted IS NOT NULL
                                     OR EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.ledger_id)) THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:adoption: opening balances go into a ledger with no vouchers, once';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE TRIGGER trg_vouchers_adoption_guard BEFORE INSERT ON vouchers FOR EACH ROW EXECUTE FUNCTION fl_vouchers_adoption_guard();
-- statement
CREATE FUNCTION fl_ledgers_adopted_from() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.adopted_from IS NOT NULL AND NEW.adopted_from IS DISTINCT FROM OLD.adopted_from THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:adoption: a ledger''s adoption month never changes';
      END IF;
      IF OLD.adopted_from IS NULL AND NEW.adopted_from IS NOT NULL
         AND EXISTS (SELECT 1 FROM vouchers WHERE ledger_id = NEW.id AND source <> 'opening') THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:adoption: only a ledger whose one voucher is its opening is adopted';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE TRIGGER trg_ledgers_adopted_from BEFORE UPDATE OF adopted_from ON ledgers FOR EACH ROW EXECUTE FUNCTION fl_ledgers_adopted_from();
-- statement
CREATE FUNCTION fl_periods_adoption() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'open' AND NEW.period < (SELECT adopted_from FROM ledgers WHERE id = NEW.ledger_id) THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:before_adoption: a month before the adoption month is never open';
      END IF;
      RETURN NEW;
    END
$$;
-- statement
CREATE TRIGGER trg_periods_adoption BEFORE INSERT OR UPDATE OF status ON periods FOR EACH ROW EXECUTE FUNCTION fl_periods_adoption();
