"""The chart of accounts: the standard chart of 财会〔2017〕28号 as data, installed per ledger.

Layer above ``ledger``: it knows which accounts a medical fund uses, which sub-accounts
职工医保 must split into (统筹基金 / 个人账户基金), and how bank accounts tie to asset accounts.
"""
