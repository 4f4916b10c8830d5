"""Business transactions: the named money flows of 统收统支, and the inputs that become vouchers.

Layer above ``accounts``: voucher CSV import, bank statement import and the rules that turn
receipts into vouchers, the flows of Jingmen 第九、十一、十六–二十一条 and the province, and
Beancount import. Everything here posts through ``ledger.journal``.
"""
