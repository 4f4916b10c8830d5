-- Revision 0017, PostgreSQL, downgrade: the column and its CHECK. Vouchers of hash version 3 no
-- longer verify after this.

-- statement
ALTER TABLE vouchers DROP COLUMN attachments;
