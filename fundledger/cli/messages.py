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
from collections.abc import Mapping

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
    "close_contra": ("contra entry on a gross line of the 收支表, shown beneath that line: {ledger} {voucher} {date} "
                     "{summary}: {account} {name} {side} {amount} ({what})",
                     "收支表总额行出现反向发生额，列示于该行之下：{ledger} {voucher} {date} "
                     "{summary}：{account} {name} {side} {amount}（{what}）"),
    "contra_prescribed": ("{prescribed}, prescribed by S1", "{prescribed}，S1 规定的分录"),
    "contra_not_prescribed": ("not an entry S1 prescribes", "非 S1 规定的分录"),
    "side_debit": ("debit", "借方"),
    "side_credit": ("credit", "贷方"),
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
    # bad options and arguments of the commands (exit 2): every fail() of fundledger/cli
    "not_a_date": ("{option} {text!r} is not a date; write YYYY-MM-DD, e.g. {example}",
                   "{option} {text!r} 不是日期；请写成 YYYY-MM-DD，例如 {example}"),
    "not_a_year": ("{option} {text!r} is not a year; write YYYY, e.g. 2024",
                   "{option} {text!r} 不是年份；请写成 YYYY，例如 2024"),
    "not_a_number": ("{option} {text!r} is not a number", "{option} {text!r} 不是数字"),
    "ratio_range": ("{option} {text!r} must lie between 0 and 1", "{option} {text!r} 须在 0 与 1 之间"),
    "range_backwards": ("{option} {text}: the range ends before it starts", "{option} {text}：区间的终点早于起点"),
    "as_of_outside": ("--as-of {day} lies outside --period {period}", "--as-of {day} 不在 --period {period} 期间之内"),
    "not_both": ("give {first} or {second}, not both", "请给出 {first} 或 {second}，二者不可同时给出"),
    "negative_limit": ("{option} must not be negative", "{option} 不能为负数"),
    "page_from_one": ("--page starts at 1", "--page 从 1 开始"),
    "port_range": ("--port {port}: use 1 to 65535", "--port {port}：请用 1 至 65535"),
    "password_stdin_empty": ("--password-stdin: standard input is empty", "--password-stdin：标准输入为空"),
    "option_problem": ("{option}: {detail}", "{option}：{detail}"),
    "file_problem": ("{file}: {detail}", "{file}：{detail}"),
    "cannot_read": ("{path}: cannot read the file ({reason})", "{path}：无法读取该文件（{reason}）"),
    "cannot_write": ("cannot write {path}: {reason}", "无法写入 {path}：{reason}"),
    "cannot_open": ("cannot open {url}: {detail}", "无法打开 {url}：{detail}"),
    "cannot_initialise": ("cannot initialise {url}: {detail}", "无法初始化 {url}：{detail}"),
    "option_elsewhere": ("'{command}' has no {option} option", "命令 '{command}' 没有 {option} 选项"),
    "format_writes_file": ("--format {fmt} writes a file; give it with --out FILE.{fmt}",
                           "--format {fmt} 输出文件；请用 --out FILE.{fmt} 指定文件"),
    "format_writes_picture": ("--format {fmt} writes a picture; give it with --out FILE.{fmt}",
                              "--format {fmt} 输出图片；请用 --out FILE.{fmt} 指定文件"),
    "amount_in_yuan": ("{detail} (amounts are in 元, e.g. 1234.50)", "{detail}（金额以元为单位，例如 1234.50）"),
    "ledger_amount_shape": ("{option} {value!r} must be LEDGER=元", "{option} {value!r} 应写成 账套=元"),
    "amount_positive": ("{option} {ledger}: the amount must be positive", "{option} {ledger}：金额须为正数"),
    "treasury_option": ("--treasury {given!r}: give LEDGER=FILE, e.g. --treasury C-EMP=treasury-2024-03.csv",
                        "--treasury {given!r}：应写成 账套=文件，例如 --treasury C-EMP=treasury-2024-03.csv"),
    "flow_option_required": ("{flow}: {option} is required ({help})", "{flow}：缺少 {option}（{help}）"),
    "statement_period": ("give --period YYYY-MM (monthly statement) or --year YYYY (annual statement)",
                         "请给出 --period YYYY-MM（月报）或 --year YYYY（年报）"),
    "trial_balance_period": ("give --period YYYY-MM[..YYYY-MM] or --as-of YYYY-MM-DD",
                             "请给出 --period YYYY-MM[..YYYY-MM]（期间）或 --as-of YYYY-MM-DD（截至日）"),
    "archive_usage": ("give --ledger, --period YYYY|YYYY-MM and --out DIR|FILE.zip (or: archive verify DIR)",
                      "请给出 --ledger、--period YYYY|YYYY-MM 和 --out DIR|FILE.zip（或：archive verify DIR）"),
    "digest_usage": ("digest needs --ledger and --period (or --anchor FILE)",
                     "digest 需要 --ledger 和 --period（或 --anchor FILE）"),
    "fund_scope": ("give either --ledger, or --entity with --fund and --consolidated",
                   "请给出 --ledger，或给出 --entity 并同时给出 --fund 和 --consolidated"),
    "fund_entity_needs": ("--entity needs --consolidated and --fund employee|resident",
                          "--entity 须同时给出 --consolidated 和 --fund employee|resident"),
    "voucher_csv_alone": ("--csv gives the whole voucher (附件张数 in its attachments column); do not combine it "
                          "with --ledger/--date/--summary/--line/--key/--attachments",
                          "--csv 已给出整张凭证（附件张数在其 attachments 列）；请勿再与 "
                          "--ledger/--date/--summary/--line/--key/--attachments 同用"),
    "voucher_missing": ("missing {options} (or give the voucher with --csv)",
                        "缺少 {options}（或用 --csv 给出整张凭证）"),
    "voucher_two_lines": ("a voucher needs at least two --line options ('ACCOUNT 借|贷 AMOUNT')",
                          "一张凭证至少要有两个 --line 分录（'科目 借|贷 金额'）"),
    # summaries of the clerk's daily commands
    "entity_added": ("entity {code} {name} ({level}) added", "已添加单位 {code} {name}（{level}）"),
    "ledger_added": ("ledger {code} ({fund}) added for entity {entity}", "已为单位 {entity} 添加账套 {code}（{fund}）"),
    "account_added": ("account {code} {name} added to ledger {ledger}", "已在账套 {ledger} 添加科目 {code} {name}"),
    "schema_up_to_date": ("schema up to date at {url}", "{url} 的数据库结构已是最新"),
    "reopened": ("{ledger} {period} reopened; {count} closing voucher(s) reversed",
                 "{ledger} {period} 已反结账；{count} 张结账凭证已红字冲销"),
    "voucher_words_set": ("ledger {ledger} numbers its vouchers by {words}", "账套 {ledger} 的凭证字：{words}"),
    "opening_posted": ("{ledger}: opening balances as of {as_of} posted as {period} 记-{number} (id {id}); "
                       "books kept from {adopted}",
                       "{ledger}：{as_of} 的期初余额已记为 {period} 记-{number}（id {id}）；自 {adopted} 起建账"),
    "carry_forward_head": ("{ledger} {year}: 年初余额 against {previous} 年末余额, {count} account(s)",
                           "{ledger} {year}：年初余额与 {previous} 年末余额核对，共 {count} 个科目"),
    "carry_forward_differs": ("  DIFFERS {account} {name}: 年末 {closing}, 年初 {opening} (difference {difference})",
                              "  不符 {account} {name}：年末 {closing}，年初 {opening}（差额 {difference}）"),
    "carry_forward_not_closed": ("note: {period} is not closed yet; its 年末 may still change",
                                 "note: {period} 尚未结账，其年末余额可能还会变动"),
    "carry_forward_agrees": ("年初 equals 上年年末 for every account", "全部科目年初余额等于上年年末余额"),
    "carry_forward_differ_count": ("{count} account(s) differ", "{count} 个科目不符"),
    "login_granted": ("login {login} {done}: {role} on {database} (role {group})",
                      "登录名 {login} {done}：{database} 上的 {role}（角色 {group}）"),
    "created": ("created", "已创建"),
    "updated": ("updated", "已更新"),
    "whoami_login": ("database login", "数据库登录名"),
    "whoami_os": ("operating-system user", "操作系统用户"),
    "whoami_declared": ("declared with --user; the database cannot check it", "以 --user 自报；数据库无法核实"),
    "whoami_enforced": (", enforced by the database", "，由数据库强制执行"),
    "whoami": ("{actor} ({how}{enforced})", "{actor}（{how}{enforced}）"),
    "archive_written": ("written {path}: {files} files and manifest.json "
                        "({vouchers} vouchers, {digests} month digests, {receipts} 电子回单 files)",
                        "已写入 {path}：{files} 个文件及 manifest.json（{vouchers} 张凭证、{digests} 个月度校验值、"
                        "{receipts} 个电子回单文件）"),
    "archive_kind_statement": ("bank statement", "银行对账单"),
    "archive_kind_receipt": ("电子回单", "电子回单"),
    "archive_not_included": ("not included: {kind} file {file} (SHA-256 {sha256}): no file with that SHA-256 "
                             "in --evidence; the manifest records it as missing",
                             "未收入：{kind}文件 {file}（SHA-256 {sha256}）：--evidence 中没有此 SHA-256 的文件；"
                             "清单记为缺失"),
    "archive_checked": ("{source}: {files} files checked against {where}: {outcome}",
                        "{source}：已按{where}核对 {files} 个文件：{outcome}"),
    "archive_against_books": ("the manifest and the books", "清单与账簿"),
    "archive_against_manifest": ("the manifest", "清单"),
    "all_match": ("all match", "全部相符"),
    "problems": ("{count} problem(s)", "{count} 个问题"),
    "receipts_imported": ("{file} into {ledger} {account}: {read} receipts, {stored} stored and linked, "
                          "{skipped} already stored, {unmatched} without their statement line (sha256 {sha}…)",
                          "{file} 导入 {ledger} {account}：{read} 张回单，新存并关联 {stored} 张，已存过 {skipped} 张，"
                          "{unmatched} 张找不到对应的对账单行（sha256 {sha}…）"),
    "beancount_imported": ("{file}: {entities} entities, {ledgers} ledgers, {accounts} accounts, {vouchers} vouchers, "
                           "{reviews} reviews, {periods} months restored",
                           "{file}：已恢复 {entities} 个单位、{ledgers} 个账套、{accounts} 个科目、{vouchers} 张凭证、"
                           "{reviews} 条审核记录、{periods} 个月"),
    "anchored": ("anchored {ledgers} ledger(s), {months} month(s) and {events} audit event(s) in {path}; "
                 "keep it (and the key) outside the database",
                 "已将 {ledgers} 个账套、{months} 个月、{events} 条审计事件锚定于 {path}；"
                 "请把它（及密钥）保存在数据库之外"),
    "digest_not_recorded": ("note: not recorded on the audit trail (read-only access)",
                            "note: 未记入审计轨迹（只读访问）"),
    "digest_closed": ("closed by {who} at {at}", "由 {who} 于 {at} 结账"),
    "digest_draft": ("{status} — DRAFT, not for sign-off", "{status}——草稿，不可用于签字确认"),
    "digest_head": ("{ledger} {period}: {vouchers} voucher(s), {state}",
                    "{ledger} {period}：{vouchers} 张凭证，{state}"),
    "digest_matches": ("digest matches", "校验值相符"),
    "digest_differs": ("DIGEST DOES NOT MATCH: the month changed since the digest was recorded",
                       "校验值不符：该月自记录校验值以来已被改动"),
    "auditor_granted": ("role {role} {done} ({login}); read-only on {database}.{schema}",
                        "角色 {role} {done}（{login}）；对 {database}.{schema} 只读"),
    "auditor_clean": ("role {role} can change nothing persistent", "角色 {role} 不能更改任何持久数据"),
    "auditor_findings": ("{count} finding(s); run `fundledger db grant-auditor {role}` again to reset",
                         "发现 {count} 处；请再次运行 `fundledger db grant-auditor {role}` 予以重置"),
    "trail_prepared": ("  制单 prepared by {who} at {at}", "  制单：{who}，{at}"),
    "trail_reviewed": ("  审核 reviewed by {who} at {at}", "  审核：{who}，{at}"),
    "trail_awaiting": ("  审核 awaiting review", "  审核：待审核"),
    "trail_counted": ("  记账 counted at {at}", "  记账：{at} 起计入"),
    "trail_not_counted": ("  记账 not counted yet", "  记账：尚未计入"),
    "trail_reverses": ("  reverses {voucher}", "  冲销 {voucher}"),
    "trail_reversed_by": ("  reversed by {voucher}", "  已被 {voucher} 冲销"),
    "trail_mirrored": ("  mirrored by {voucher} (link {link})", "  对应凭证 {voucher}（关联号 {link}）"),
    "no_maker_checker": ("ledger {ledger} does not use maker-checker: its vouchers count when posted",
                         "账套 {ledger} 不实行制单审核分离：凭证记账即计入"),
    "nothing_to_review": ("{ledger}: no voucher awaits review", "{ledger}：没有待审核的凭证"),
    "web_serving": ("fundledger web workspace on http://{host}:{port}/ (books: {url}); Ctrl-C stops it",
                    "fundledger 网页工作台：http://{host}:{port}/（账簿：{url}）；按 Ctrl-C 停止"),
    "web_user_added": ("user {user} added ({role})", "已添加用户 {user}（{role}）"),
    "web_password_set": ("password of {user} set; the account is unlocked", "已设置 {user} 的密码；该账户已解锁"),
    "demo_database": ("fundledger demo — database: {where}", "fundledger 演示——数据库：{where}"),
    "fund_inputs_imported": ("imported {count} input(s) from {path}: {added} added, {replaced} replaced, "
                             "{unchanged} unchanged",
                             "已从 {path} 导入 {count} 项数据：新增 {added} 项，替换 {replaced} 项，"
                             "未变 {unchanged} 项"),
    "fund_inputs_none": ("no inputs recorded", "尚未录入任何数据"),
    "no_deadline_flows": ("no flows with a deadline in this year", "本年度没有规定期限的资金划转"),
    "flow_link": ("  link {link}", "  关联号 {link}"),
    "deadline_row": ("{flow}  {rule}  {period}  due {due}  voucher {voucher}  {mark}{detail}",
                     "{flow}  {rule}  {period}  期限 {due}  凭证 {voucher}  {mark}{detail}"),
    "deadline_missing": ("MISSING", "未划转"),
    "deadline_late": ("LATE {days} 工作日", "逾期 {days} 个工作日"),
    "deadline_ok": ("ok", "按时"),
    "input_recorded": ("{outcome}: {ledger} {year} {kind} {line} = {value}",
                       "{outcome}：{ledger} {year} {kind} {line} = {value}"),
    "input_added": ("added", "已新增"),
    "input_replaced": ("replaced", "已替换"),
    "input_unchanged": ("unchanged", "未变"),
    "input_total": ("(total)", "（合计）"),
    # bank sniff: how a statement file is read
    "sniff_layout": ("layout: {profile} — {title} ({source})", "格式：{profile} — {title}（{source}）"),
    "sniff_why": ("why: {reason}", "依据：{reason}"),
    "sniff_header": ("header: line {line}, sign mode {mode}", "表头：第 {line} 行，正负号规则 {mode}"),
    "sniff_field": ("field", "字段"),
    "sniff_column": ("column in the file", "文件中的列"),
    "sniff_first_lines": ("first {shown} of {read} lines (money in > 0):", "前 {shown} 行（共 {read} 行；收入为正）："),
    "sniff_check": ("check: {check}", "核对：{check}"),
    "sniff_refused": ("an import would refuse it: {error}", "导入时将被拒绝：{error}"),
    # the progress bars' labels (fundledger.cli.progress)
    "progress_storing_lines": ("storing statement lines", "正在存入对账单行"),
    "progress_verifying": ("verifying the books", "正在校验账簿"),
    "progress_writing": ("writing {file}", "正在写入 {file}"),
    "progress_posting": ("posting vouchers", "正在记账"),
    "progress_reconciling": ("reconciling", "正在对账"),
    "progress_month_end": ("month-end checks", "正在月末检查"),
    "progress_closing": ("closing ledgers", "正在结账"),
    # column headers of `fund input list` and `flow list`
    "col_ledger": ("ledger", "账套"),
    "col_year": ("year", "年度"),
    "col_kind": ("kind", "类别"),
    "col_line": ("line", "项目"),
    "col_value": ("value", "数值"),
    "col_unit": ("unit", "单位"),
    "col_recorded_by": ("recorded by", "录入人"),
    "col_recorded_at": ("recorded at", "录入时间"),
    "col_source": ("source", "来源"),
    "col_flow": ("flow", "划转"),
    "col_name": ("name", "名称"),
    "col_article": ("article", "依据"),
    "col_levels": ("levels", "层级"),
    "col_options": ("options", "选项"),
    "col_voucher": ("voucher", "凭证"),
    "col_debit": ("借 debit", "借方"),
    "col_credit": ("贷 credit", "贷方"),
    "col_note": ("note", "说明"),
    # the reconciliations' sentences (reports.wording: same codes, same English)
    "rec_bank_awaiting_block": ("待审核凭证 (not counted)", "待审核凭证（不计入）"),
    "rec_bank_agrees": ("adjusted balances agree", "调节后余额相符"),
    "rec_bank_differs": ("DIFFERENCE {difference}: a booking error to find", "差额 {difference}：有记账错误待查"),
    "rec_bank_suspected_head": ("疑似录入错误 suspected keying errors ({count}):", "疑似录入错误（{count} 处）："),
    "rec_bank_suspected": ("bank {bank_ref} {bank_date} {bank_amount} vs books {book_ref} {book_date} "
                           "{book_amount}: {reason} (difference {difference})",
                           "银行 {bank_ref} {bank_date} {bank_amount} 对 账簿 {book_ref} {book_date} "
                           "{book_amount}：{reason}（差额 {difference}）"),
    "rec_reason_transposed": ("transposed digits", "数字错位"),
    "rec_reason_one_digit": ("one digit differs", "一位数字不同"),
    "rec_reason_small": ("small difference", "金额小额差异"),
    "rec_bank_stale_head": ("未达账项 older than {days} days ({count}):", "超过 {days} 天的未达账项（{count} 笔）："),
    "rec_days": ("{days} days", "{days} 天"),
    "rec_levels_unattributed": ("not attributable to a child", "无法归属任何下级"),
    "rec_levels_agree": ("all levels agree", "上下级全部相符"),
    "rec_levels_differ": ("DIFFERENCES between levels (listed above)", "上下级不符（见上）"),
    "rec_treasury_head": ("国库对账  {ledger}  {period}  单位：元  (profile {profile})",
                          "国库对账  {ledger}  {period}  单位：元  （格式 {profile}）"),
    "rec_treasury_report_column": ("report 税务/国库", "税务/国库"),
    "rec_treasury_books_column": ("books 账簿", "账簿"),
    "rec_treasury_matched": ("{count} movement(s) matched", "已配对 {count} 笔"),
    "rec_treasury_total_differs": ("{kind}: the report says {report}, the books {books} (difference {difference})",
                                   "{kind}：报表 {report}，账簿 {books}（差额 {difference}）"),
    "rec_treasury_report_only": ("国库有、账上无: line {line} {date} {kind} {amount} {reference}",
                                 "国库有、账上无：第 {line} 行 {date} {kind} {amount} {reference}"),
    "rec_treasury_books_only": ("账上有、国库无: {voucher} {date} {summary} {amount}",
                                "账上有、国库无：{voucher} {date} {summary} {amount}"),
    "rec_treasury_not_to_fiscal": ("国库存款 paid out other than to 财政专户 (1003): "
                                   "{voucher} {date} {summary} {amount}",
                                   "国库存款付往财政专户（1003）以外：{voucher} {date} {summary} {amount}"),
    "rec_treasury_left_after": ("国库存款 not emptied into 财政专户: {amount} left after the transfer of {date}",
                                "国库存款未全额划入财政专户：{date} 划转后仍余 {amount}"),
    "rec_treasury_untransferred": ("国库存款 holds {amount} at month end and nothing was transferred to 财政专户 "
                                   "this month",
                                   "国库存款月末余额 {amount}，本月未向财政专户划转"),
    "rec_treasury_balance_differs": ("国库存款余额: the treasury says {reported}, the books {books}",
                                     "国库存款余额：国库 {reported}，账簿 {books}"),
    "rec_income_not_empty": ("收入户 not empty at month end: {account} {balance}",
                             "收入户月末未清零：{account} {balance}"),
    "rec_year_end_not_empty": ("国库存款 not empty at year end: {balance}", "国库存款年末未清零：{balance}"),
    "rec_treasury_agrees": ("treasury agrees", "国库对账相符"),
    "rec_treasury_differs": ("treasury: DIFFERENCES (listed above)", "国库对账不符（见上）"),
    "rec_month_end_head": ("月末检查  {entity} and subtree  {period}", "月末检查  {entity} 及下级  {period}"),
    "rec_verify_ok": ("verify {ledger}: ok", "校验 {ledger}：通过"),
    "rec_verify_problems": ("verify {ledger}: {count} problem(s)", "校验 {ledger}：{count} 个问题"),
    "rec_verify_fail": ("    FAIL [{rule}] {detail}", "    FAIL [{rule}] {detail}"),
    "rec_bank_error": ("bank {ledger} {account}: cannot reconcile: {error}",
                       "银行 {ledger} {account}：无法对账：{error}"),
    "rec_month_income_not_empty": ("收入户 not empty: {ledger} {account} {balance}",
                                   "收入户未清零：{ledger} {account} {balance}"),
    "rec_month_income_empty": ("收入户 (1002) empty at month end", "收入户（1002）月末已清零"),
    "rec_month_treasury_not_empty": ("国库存款 not empty at year end: {ledger} {balance}",
                                     "国库存款年末未清零：{ledger} {balance}"),
    "rec_month_treasury_empty": ("国库存款 (1005) empty at year end", "国库存款（1005）年末已清零"),
    "rec_month_closed": ("closed {period}: {ledgers}", "{period} 已结账：{ledgers}"),
    "rec_month_agrees": ("month end: all checks agree", "月末检查：全部相符"),
    "rec_month_differs": ("month end: DIFFERENCES (listed above)", "月末检查：有不符（见上）"),
    "fund_transfers_not_checked": ("profile {profile} has no treasury → fiscal special deadline; "
                                   "transfers not checked",
                                   "{profile} 规则未规定国库 → 财政专户的划转期限；未检查划转"),
    # fundledger demo's summary and --full headings (fundledger.demo.show, given ``message`` by cli/demo.py)
    "demo_built": ("built the demo: {vouchers} vouchers, {months} ledger-months closed, in {seconds} s",
                   "演示账簿已建成：{vouchers} 张凭证，{months} 个账套月已结账，用时 {seconds} 秒"),
    "demo_already": ("the demo is already in this database ({vouchers} vouchers); nothing was posted",
                     "此数据库中已有演示账簿（{vouchers} 张凭证）；未记账"),
    "demo_ledgers": ("{ledgers} ledgers ({agencies} agencies × {funds} funds), {start}..{end}: {verdict}",
                     "{ledgers} 个账套（{agencies} 个单位 × {funds} 个基金），{start}..{end}：{verdict}"),
    "demo_all_balance": ("every trial balance balances", "全部试算平衡"),
    "demo_not_balanced": ("NOT BALANCED: {ledgers}", "试算不平衡：{ledgers}"),
    "demo_bank_line": ("银行存款余额调节表 {ledger} {account} {period}: {verdict} ({count} 未达账项)",
                       "银行存款余额调节表 {ledger} {account} {period}：{verdict}（未达账项 {count} 笔）"),
    "demo_bank_differs": ("adjusted balances DIFFER", "调节后余额不符"),
    "demo_bank_error": ("银行存款余额调节表: {error}", "银行存款余额调节表：{error}"),
    "demo_levels_line": ("上下级对账 {entity} {period}: {verdict}", "上下级对账 {entity} {period}：{verdict}"),
    "demo_levels_differ": ("DIFFERENCES between levels", "上下级不符"),
    "demo_final_line": ("决算 {entity} {fund} {year}（汇总）: {figures}",
                        "决算 {entity} {fund} {year}（汇总）：{figures}"),
    "demo_try_next": ("try next:", "接下来可以试试："),
    "demo_full_hint": ("every report above in full", "以上各表的全文"),
    "demo_other_ledgers": ("other ledgers, {start}..{end}:", "其他账套，{start}..{end}："),
    "demo_balanced": ("balanced", "平衡"),
    "demo_unbalanced": ("NOT BALANCED", "不平衡"),
    "demo_set_up": ("set up 1 province, 1 city, {counties} counties, {ledgers} ledgers with bank sub-accounts",
                    "已设立 1 个省、1 个市、{counties} 个县，{ledgers} 个账套及其银行子账户"),
    "demo_month_closed": ("{period}: posted and closed", "{period}：已记账并结账"),
    "demo_imported": ("imported bank statement {file} ({profile}) into {ledger} {account}: {read} lines, {new} new, "
                      "{skipped} already imported",
                      "已导入银行对账单 {file}（{profile}）至 {ledger} {account}：{read} 行，新增 {new} 行，"
                      "已导入过 {skipped} 行"),
    # post bank-receipts (postings.receipts: same codes, same English; worded through ``say``)
    "rc_head": ("银行回单生成凭证  {ledger} {account}  {when}  rules: {rules}",
                "银行回单生成凭证  {ledger} {account}  {when}  规则：{rules}"),
    "rc_all_lines": ("all imported lines", "全部已导入的行"),
    "rc_posted_head": ("posted {count} line(s); {before} line(s) were posted before",
                       "已记账 {count} 行；此前已记账 {before} 行"),
    "rc_dry_head": ("dry run — nothing was written; it would post {count} line(s); {before} line(s) were posted "
                    "before",
                    "试运行——未写入；将记账 {count} 行；此前已记账 {before} 行"),
    "rc_line": ("  line {label}", "  对账单行 {label}"),
    "rc_rule_flow": ("    rule {rule} → flow {flow}", "    规则 {rule} → 业务 {flow}"),
    "rc_matched_head": ("already booked ({count}): matched, not posted again:",
                        "已入账（{count} 行）：已配对，不再记账："),
    "rc_would_match_head": ("already booked ({count}): would match, not posted again:",
                            "已入账（{count} 行）：将配对，不再记账："),
    "rc_matched": ("  line {label}\n    = {voucher} {date} ({days} days), pair {link} with {partner_ledger} "
                   "{partner_voucher}",
                   "  对账单行 {label}\n    = {voucher} {date}（相差 {days} 天），关联号 {link}，对方 {partner_ledger} "
                   "{partner_voucher}"),
    "rc_ambiguous_head": ("booked more than once? ({count}): several vouchers fit, a clerk chooses:",
                          "疑似重复入账（{count} 行）：有多张凭证相符，请会计选定："),
    "rc_candidate": ("    ? {voucher} {date} pair {link} with {partner_ledger}",
                     "    ? {voucher} {date} 关联号 {link}，对方 {partner_ledger}"),
    "rc_refused_head": ("refused by the flow ({count}):", "业务拒绝记账（{count} 行）："),
    "rc_refused": ("  line {label}\n    rule {rule}: {error}", "  对账单行 {label}\n    规则 {rule}：{error}"),
    "rc_unmatched_head": ("no rule matches ({count}), left for a clerk:", "无规则匹配（{count} 行），留待会计处理："),
    # column headers of `ledger list`, `entity list`, `audit log` and `web user list`
    "col_entity": ("entity", "单位"),
    "col_fund": ("fund", "基金"),
    "col_code": ("code", "编码"),
    "col_level": ("level", "级次"),
    "col_parent": ("parent", "上级"),
    "col_time": ("time", "时间"),
    "col_actor": ("actor", "操作人"),
    "col_action": ("action", "操作"),
    "col_detail": ("detail", "详情"),
    "col_user": ("user", "用户"),
    "col_role": ("role", "角色"),
    "col_state": ("state", "状态"),
    "user_locked": ("LOCKED", "已锁定"),
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


def say(code: str, fields: Mapping[str, object]) -> str:
    """A report's sentence (a ``reports.wording`` code, passed as ``render(say=…)`` or to
    ``Finding.text``) in the locale's language: the catalogue has the same codes, same English."""
    return message(code, **fields)
