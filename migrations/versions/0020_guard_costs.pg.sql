-- Revision 0020, PostgreSQL: fl_is_clerk() in PL/pgSQL (plan kept for the session) instead of a
-- SQL query planned in every transaction; the adoption
-- guard judges a statement's vouchers at once instead of row by row.

-- statement
-- The same answer as revision 0018's (the acting login, fl_actor(), reaches a staff group of
-- <database>:制单|审核|记账|主管 through group roles; a superuser never), in PL/pgSQL so that its
-- query plan is kept for the session instead of being planned in every transaction.
CREATE OR REPLACE FUNCTION fl_is_clerk() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
    BEGIN
      RETURN EXISTS (SELECT 1 FROM fl_staff_groups(fl_actor()) g WHERE g IN ('制单', '审核', '记账', '主管'));
    END
$$;

-- statement
-- The adoption guard of revision 0009 judged every voucher row on its own (a ledger read per row,
-- the largest per-row cost of a bulk load: ~20 µs a voucher); as the other voucher guards since
-- revision 0005 it now judges a statement's rows at once, over the transition table. Its name
-- still sorts first, so its refusals still come before the other guards'. An opening is refused
-- when the ledger already holds a voucher from before the statement or one written before it in
-- the statement (ids rise in the order the rows are written), as the row trigger saw them.
DROP TRIGGER trg_vouchers_adoption_guard ON vouchers;

-- statement
CREATE OR REPLACE FUNCTION fl_vouchers_adoption_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_vouchers n JOIN ledgers l ON l.id = n.ledger_id
                  WHERE n.source <> 'opening' AND n.period < l.adopted_from) THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:before_adoption: the month lies before the ledger''s adoption month';
      END IF;
      IF EXISTS (SELECT 1 FROM new_vouchers n JOIN ledgers l ON l.id = n.ledger_id
                  WHERE n.source = 'opening'
                    AND (l.adopted_from IS NOT NULL
                         OR EXISTS (SELECT 1 FROM vouchers v
                                     WHERE v.ledger_id = n.ledger_id AND v.id <> n.id
                                       AND (v.id < n.id
                                            OR NOT EXISTS (SELECT 1 FROM new_vouchers m WHERE m.id = v.id))))) THEN
        RAISE EXCEPTION USING ERRCODE = '23514',
              MESSAGE = 'fundledger:adoption: opening balances go into a ledger with no vouchers, once';
      END IF;
      RETURN NULL;
    END
$$;

-- statement
CREATE TRIGGER trg_vouchers_adoption_guard AFTER INSERT ON vouchers REFERENCING NEW TABLE AS new_vouchers FOR EACH STATEMENT EXECUTE FUNCTION fl_vouchers_adoption_guard();
