-- Revision 0020 down, PostgreSQL: fl_is_clerk() as revision 0018 left it and the row-level adoption
-- guard as revision 0009 left it.

-- statement
CREATE OR REPLACE FUNCTION fl_is_clerk() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM fl_staff_groups(fl_actor()) g WHERE g IN ('制单', '审核', '记账', '主管'))
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
