-- Revision 0017, SQLite, downgrade: the trigger, then the column (plain DROP COLUMN, SQLite ≥ 3.35,
-- as revisions 0006 and 0007 do). Vouchers of hash version 3 no longer verify after this.

-- statement
DROP TRIGGER IF EXISTS trg_vouchers_attachments;
-- statement
ALTER TABLE vouchers DROP COLUMN attachments;
