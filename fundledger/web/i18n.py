"""The interface's words in Chinese (the default) and English (the switch in the header).

One table, so a page never carries a language of its own and a missing word fails a test rather
than showing a key. Account names, summaries and report labels are the books' own (Chinese) text.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("医保基金账务工作台", "Fund ledger workspace"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "entities": ("会计主体", "Entities"),
    "ledgers": ("账套", "Ledgers"),
    "board": ("月度看板", "Month board"),
    "period": ("会计期间", "Period"),
    "show": ("查看", "Show"),
    "status": ("状态", "Status"),
    "open": ("未结账", "open"),
    "closed": ("已结账", "closed"),
    "awaiting": ("待审核", "awaiting review"),
    "bank_rec": ("银行对账", "Bank reconciliation"),
    "level_rec": ("上下级对账", "Level reconciliation"),
    "agree": ("相符", "agree"),
    "differ": ("不符", "differ"),
    "none": ("无", "none"),
    "capacity": ("可支付月数", "Months of payment capacity"),
    "tb": ("科目余额表", "Trial balance"),
    "detail": ("明细账", "Detail ledger"),
    "voucher": ("凭证", "Voucher"),
    "as_of": ("截至日期", "As of"),
    "code": ("科目编码", "Code"),
    "account": ("科目名称", "Account"),
    "account_entry": ("科目", "Account"),
    "opening": ("期初余额", "Opening"),
    "debit": ("借方", "Debit"),
    "credit": ("贷方", "Credit"),
    "closing": ("期末余额", "Closing"),
    "direction": ("方向", "Side"),
    "balance": ("余额", "Balance"),
    "date": ("日期", "Date"),
    "number": ("凭证号", "No."),
    "summary": ("摘要", "Summary"),
    "total": ("合计", "Total"),
    "balanced": ("借贷平衡", "Debits equal credits"),
    "unbalanced": ("借贷不平衡", "Debits and credits differ"),
    "new_voucher": ("录入凭证", "Enter voucher"),
    "post": ("保存凭证", "Save voucher"),
    "review_queue": ("审核队列", "Review queue"),
    "approve": ("审核通过", "Approve"),
    "preparer": ("制单人", "Prepared by"),
    "reviewer": ("审核人", "Reviewed by"),
    "amount": ("金额", "Amount"),
    "close_month": ("结账", "Close month"),
    "statements": ("会计报表", "Statements"),
    "final": ("决算", "Final accounts"),
    "download_xlsx": ("下载 XLSX", "Download XLSX"),
    "audit_log": ("审计日志", "Audit log"),
    "verify": ("校验", "Verify"),
    "digest": ("月度摘要", "Month digest"),
    "users": ("用户", "Users"),
    "role": ("角色", "Role"),
    "locked": ("已锁定", "locked"),
    "posted_ok": ("凭证已保存", "Voucher saved"),
    "reviewed_ok": ("已审核", "Reviewed"),
    "closed_ok": ("已结账", "Month closed"),
    "forbidden": ("无权访问", "Not allowed"),
    "not_found": ("未找到", "Not found"),
    "awaiting_apart": ("待审核凭证（尚未计入余额）", "Vouchers awaiting review (not counted yet)"),
    "ok": ("通过", "passed"),
    "failed": ("未通过", "failed"),
    "fund": ("基金", "Fund"),
    "year": ("年度", "Year"),
    "employee": ("职工医保", "employee"),
    "resident": ("城乡居民医保", "resident"),
    "add_line": ("增加分录", "Add line"),
    "line_summary": ("分录摘要", "Line summary"),
    "search_account": ("输入科目编码或名称", "code or name"),
    "when": ("时间（北京时间）", "When (UTC+8)"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "problems": ("问题", "Problems"),
    "months": ("个月", "months"),
    "lang_switch": ("English", "中文"),
    "balance_sheet": ("资产负债表", "Balance sheet"),
    "income_statement": ("收支表", "Income statement"),
    "line": ("项目", "Line"),
    "checking": ("正在核对银行、上下级对账与可支付月数……", "Checking reconciliations and capacity …"),
    "month_end": ("月末检查", "Month-end checks"),
    "risk_line": ("风险线", "risk line"),
    "target_line": ("目标", "target"),
    "income_not_empty": ("收入户月末未清零", "收入户 not empty at month end"),
    "treasury_not_empty": ("国库存款年末未清零", "国库存款 not empty at year end"),
    "book_balance": ("账面余额", "books"),
    "bank_balance": ("银行余额", "bank"),
    "withdraw": ("退回/作废", "Withdraw"),
    "reason": ("原因", "Reason"),
    "withdrawn_ok": ("已退回/作废", "Withdrawn"),
    "withdrawn": ("已退回/作废", "withdrawn"),
    "reverse": ("红字冲销", "Reverse"),
    "reversed_ok": ("已冲销，冲销凭证", "Reversed by"),
    "reversal_of": ("冲销", "Reverses"),
    "reversed_by": ("被冲销", "Reversed by"),
    "mirrored": ("对应凭证", "Mirrored"),
    "download_pdf": ("下载 PDF", "Download PDF"),
    "no_statement": ("本月无银行对账单", "no bank statement this month"),
}


#: The audit trail's action codes, as the office says them (the code stays beside the label).
ACTIONS: dict[str, tuple[str, str]] = {
    "web_login": ("登录", "log in"),
    "web_login_failed": ("登录失败", "failed log in"),
    "web_lockout": ("账户锁定", "account locked"),
    "web_post_voucher": ("网页录入凭证", "voucher entered on the web"),
    "web_review": ("网页审核", "reviewed on the web"),
    "web_close": ("网页结账", "month closed on the web"),
    "web_withdraw": ("网页退回/作废", "withdrawn on the web"),
    "web_reverse": ("网页红字冲销", "reversed on the web"),
    "web_bank_import": ("网页导入对账单", "bank statement imported on the web"),
    "web_receipts": ("网页生成收款凭证", "receipt vouchers posted on the web"),
    "web_fund_post": ("网页过账基金规则", "fund rule posted on the web"),
    "voucher.reverse": ("红字冲销", "reversed"),
    "user_add": ("新增用户", "user added"),
    "user_passwd": ("重置密码", "password reset"),
    "voucher.prepare": ("制单", "prepared"),
    "voucher.review": ("审核", "reviewed"),
    "voucher.post": ("记账", "posted"),
    "period.close": ("结账", "month closed"),
    "period.reopen": ("反结账", "month reopened"),
    "entity.add": ("新增会计主体", "entity added"),
    "ledger.add": ("新增账套", "ledger added"),
}


def action_label(code: str, lang: str) -> str:
    """The audit action ``code`` for people; unknown codes show as they are."""
    if code not in ACTIONS:
        return code
    zh, en = ACTIONS[code]
    return en if lang == "en" else zh


def translate(key: str, lang: str) -> str:
    """The word ``key`` in ``lang`` (``zh`` or ``en``)."""
    zh, en = TEXT[key]
    return en if lang == "en" else zh
