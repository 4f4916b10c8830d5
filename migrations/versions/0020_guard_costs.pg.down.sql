-- Revision 0020 down, PostgreSQL: fl_is_clerk() and the row-level adoption guard as revision
-- 0009 left them.

-- statement
CREATE OR REPLACE FUNCTION fl_is_clerk() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles r
                    WHERE r.rolname IN (current_database() || ':' || '制单', current_database() || ':' || '审核',
                                        current_database() || ':' || '记账', current_database() || ':' || '主管')
                      AND pg_has_role(session_user, r.oid, 'MEMBER'))
       AND NOT EXISTS (SELECT 1 FROM pg_roles u WHERE u.rolname = session_user AND u.rolsuper)
$$;

-- statement
DROP TRIGGER trg_vouchers_adoption_guard ON vouchers;

-- statement
CREATE OR REPLACE FUNCTION fl_vouchers_adoption_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
