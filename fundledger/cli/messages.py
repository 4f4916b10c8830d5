"""The command's own messages in English and in Chinese: one catalogue, key → (en, zh).

Why one catalogue: a clerk whose terminal speaks Chinese should read the command in Chinese, and a
message composed in a command and not here would stay English for ever. Every line the command
itself composes — its errors (no database, busy, usage, a refused write) and the summaries commands
print (posted, imported, closed, written …) — is looked up here by key with ``message``.

The language is the locale's, as POSIX programs choose it: the first of ``LC_ALL``,
``LC_MESSAGES`` and ``LANG`` that is set; ``zh…`` (``zh_CN.UTF-8``, ``zh_TW``, ``zh``) gives
Chinese, anything else English. What is *not* translated, on purpose: the ``error:`` and
``warning:`` prefixes (scripts look for them), the texts of the library's errors (``LedgerError``
and the database's refusals quote codes, accounts and rules in the words of the source documents,
mostly Chinese already) and the parser's own usage texts inside the usage line (``Missing option
'--ledger'``: the parser's).
"""

from __future__ import annotations

import os

#: key → (English, Chinese); fields in ``{braces}`` are filled by ``message``.
CATALOGUE: dict[str, tuple[str, str]] = {
    # errors of the root command (fundledger.cli.app)
    "usage": ("{command}: {detail} (see {command} --help)", "{command}：{detail}（用法见 {command} --help）"),
    "aborted": ("aborted", "已中止"),
    "no_database": ("no database at {path}; run `fundledger init` first (or pass --db URL)",
                    "{path} 没有数据库；请先运行 `fundledger init`（或用 --db URL 指定数据库）"),
    "not_a_url": ("--db {url}: not a database URL (sqlite:///file.db or postgresql://user@host/db)",
                  "--db {url}：不是数据库地址（应为 sqlite:///file.db 或 postgresql://user@host/db）"),
    "busy": ("the database is busy: another transaction held a lock for more than {seconds} s ({detail}); "
             "nothing was changed — run the command again when the other writer is done (or raise {env})",
             "数据库忙：另一事务持有锁超过 {seconds} 秒（{detail}）；未作任何更改——请待其写完后重新运行"
             "（或调大 {env}）"),
    "unparsable_url": ("(an unparsable database URL)", "（无法解析的数据库地址）"),
    "database_refused": ("database refused the write: {detail}", "数据库拒绝写入：{detail}"),
    "database_error": ("database: {detail}", "数据库：{detail}"),
    "unknown_format": ("unknown format {fmt!r}; use one of {choices}", "未知格式 {fmt!r}；可选 {choices}"),
    # summaries
    "written": ("written {path}", "已写入 {path}"),
    "posted": ("posted", "已记账"),
    "dry_run_would_post": ("DRY RUN — would post", "试运行——将记账（未写入）"),
    "already_posted": ("already posted (same key)", "已记过（同一幂等键）"),
    "awaiting_review": ("（待审核：审核后计入）", "（待审核：审核后计入）"),
    "open_voucher": ("id {id}; open it with: {show}", "凭证 id {id}；查看：{show}"),
    "pair_reversed": ("mirrored pair: {count} vouchers reversed together, link id {link}",
                      "上下级对应凭证：{count} 张一并红字冲销，关联号 {link}"),
    "withdrawn_by_preparer": ("{ledger} {voucher} (id {id}): 作废 (withdrawn by its preparer) {actor}: {reason}; "
                              "it keeps its number and counts nowhere",
                              "{ledger} {voucher}（id {id}）：由制单人 {actor} 作废：{reason}；"
                              "凭证号保留，不计入任何数"),
    "withdrawn_by_reviewer": ("{ledger} {voucher} (id {id}): 退回 (sent back by a reviewer) {actor}: {reason}; "
                              "it keeps its number and counts nowhere",
                              "{ledger} {voucher}（id {id}）：由审核人 {actor} 退回：{reason}；"
                              "凭证号保留，不计入任何数"),
    "reviewed": ("{ledger} {period} {number} (id {id}) prepared by {preparer}, reviewed by {reviewer}; "
                 "it counts from now on",
                 "{ledger} {period} {number}（id {id}）制单 {preparer}，审核 {reviewer}；自此计入"),
    "imported_vouchers": ("{file}: {vouchers} vouchers in {rows} rows; {posted} posted, {skipped} already posted",
                          "{file}：{rows} 行共 {vouchers} 张凭证；新记账 {posted} 张，已记过 {skipped} 张"),
    "imported_bank": ("{file} ({profile}) into {ledger} {account}: {read} lines, {new} new, {skipped} already "
                      "imported",
                      "{file}（{profile}）导入 {ledger} {account}：{read} 行，新增 {new} 行，已导入过 {skipped} 行"),
    "closed": ("{ledger} {period} closed{note}; closing vouchers: {vouchers}",
               "{ledger} {period} 已结账{note}；结账凭证：{vouchers}"),
    "closed_already_note": (" (was already closed)", "（此前已结账）"),
    "none": ("none", "无"),
    "flow_dry_run": ("dry run — nothing was written; it would post {count} voucher(s)",
                     "试运行——未写入；将记 {count} 张凭证"),
    "flow_posted": ("posted {count} voucher(s)", "已记 {count} 张凭证"),
    "flow_already": ("already posted (same key, same content), nothing changed: {count} voucher(s)",
                     "已记过（同一幂等键、内容相同），未作更改：{count} 张凭证"),
    "verify_checked": ("checked {ledgers} ledgers, {vouchers} vouchers, {postings} postings",
                       "已检查 {ledgers} 个账套、{vouchers} 张凭证、{postings} 条分录"),
    "verify_ok": ("all invariants hold", "全部不变量成立"),
    "verify_problems": ("{count} problem(s) found", "发现 {count} 个问题"),
    "verify_anchor_ok": ("the books still hold everything {file} anchors", "账簿仍包含 {file} 锚定的全部内容"),
    "beancount_written": ("{file}: {ledgers} ledger(s), {accounts} accounts, {vouchers} vouchers{note}",
                          "{file}：{ledgers} 个账套、{accounts} 个科目、{vouchers} 张凭证{note}"),
    "beancount_pending_note": ("; {count} voucher(s) awaiting review left out", "；{count} 张待审核凭证未导出"),
    "found": ("{count} voucher(s)", "共 {count} 张凭证"),
    "found_limit": (" (limit reached: narrow the search or raise --limit)", "（已达上限：请缩小条件或调大 --limit）"),
    "found_nothing": ("no voucher matches", "没有符合条件的凭证"),
}


def language() -> str:
    """``"zh"`` when the locale is Chinese (the first of LC_ALL, LC_MESSAGES, LANG that is set
    starts with ``zh``), else ``"en"``; read at each call, so a test or a wrapper can change it."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def message(key: str, **fields: object) -> str:
    """The catalogue's text ``key`` in the locale's language, its ``{fields}`` filled in."""
    english, chinese = CATALOGUE[key]
    return (chinese if language() == "zh" else english).format(**fields)
