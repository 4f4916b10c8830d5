"""The web workspace in a real browser: Playwright driving Debian's chromium (never a downloaded one).

One month of one ledger, as the office does it: a 制单 logs in and enters a voucher (the live
借贷平衡 check answers as she types), a 审核 approves it, a 记账 closes the month on the board, the
科目余额表 shows it and the statements download as XLSX. Then a 摘要 of ``<script>alert(1)</script>``
shows as text and opens no dialog. Screenshots of the main pages go to ``tmp_path/shots`` (and to
``FUNDLEDGER_WEB_SCREENSHOTS`` when set) to be looked at.

Figures, by hand: the seed voucher is 1,000.00 into 1002 收入户存款; the clerk's is 1,234.56 more, so
1002 closes January at 2,234.56 借.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from fundledger.web import create_app
from tests.web_books import ENTITY, LEDGER, build, password_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def server(sqlite_url):  # type: ignore[no-untyped-def]
    import uvicorn

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required in CI (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    build(sqlite_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(sqlite_url, secret="browser-test"), host="127.0.0.1", port=port,
                            log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(100):
        if instance.started:
            break
        time.sleep(0.05)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.extra = os.environ.get("FUNDLEDGER_WEB_SCREENSHOTS")
        self.taken: list[Path] = []

    def __call__(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5000, f"screenshot {name} is blank"
        self.taken.append(path)
        if self.extra:
            Path(self.extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(self.extra) / path.name)


def _login(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password_of(username))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.dialogs = dialogs  # type: ignore[attr-defined]
    return page


def test_a_month_in_the_browser(server, browser, tmp_path):
    base = server
    shots = Shots(tmp_path / "shots")

    # 登录页 and the 制单 entering a voucher, the live check answering as she types
    login_page = browser.new_page(locale="zh-CN")
    login_page.goto(f"{base}/login")
    assert login_page.locator("h1").inner_text() == "登录"
    shots(login_page, "01-login")
    login_page.close()

    maker = _login(browser, base, "maker")
    shots(maker, "02-home")
    maker.goto(f"{base}/ledger/{LEDGER}/new")
    maker.fill("input[name=date]", "2024-01-20")
    maker.fill("input[name=summary]", "收到职工医保个人缴费")
    maker.fill("input[name=account0]", "1002")
    maker.fill("input[name=debit0]", "1234.56")
    maker.fill("input[name=account1]", "400101")
    maker.fill("input[name=credit1]", "1234.50")
    maker.locator("#check").filter(has_text="借贷不平衡").wait_for()
    assert "1,234.56" in maker.inner_text("#check") and "1,234.50" in maker.inner_text("#check")
    maker.fill("input[name=credit1]", "1234.56")
    maker.locator("#check").filter(has_text="借贷平衡").wait_for()
    assert "不平衡" not in maker.inner_text("#check")
    shots(maker, "03-entry")
    maker.click("button.primary")
    maker.wait_for_url("**/voucher/*")
    assert "凭证已保存" in maker.inner_text("main") and "1,234.56" in maker.inner_text("main")
    shots(maker, "04-voucher")

    # the 审核 approves both vouchers of the month (the seed one and the clerk's)
    checker = _login(browser, base, "checker")
    checker.goto(f"{base}/ledger/{LEDGER}/review")
    assert checker.locator("button.primary").count() == 2
    shots(checker, "05-review")
    for _ in range(2):
        with checker.expect_navigation():
            checker.locator("button.primary").first.click()
    assert "已审核" in checker.inner_text("main") and checker.locator("button.primary").count() == 0

    # the 记账 closes January on the board
    keeper = _login(browser, base, "bookkeeper")
    keeper.goto(f"{base}/entity/{ENTITY}?period=2024-01")
    with keeper.expect_navigation():
        keeper.click("button:text-is('结账')")
    row = keeper.locator("tr", has_text=LEDGER).first
    assert "已结账" in row.inner_text()
    keeper.locator("#checks h2").first.filter(has_text="月末检查").wait_for()  # the htmx fragment arrived
    # the checks say why the month end differs: 1002 收入户 still holds 2,234.56 (not yet moved to 财政专户)
    assert "100301 建行财政专户" in keeper.inner_text("#checks")  # January's statement (tests/web_books.py)
    assert "收入户月末未清零：C-EMP 1002 2,234.56" in keeper.inner_text("#checks")
    # the board's other fragments arrive beside it: verify of every ledger, the deadlines, 可支付月数
    keeper.locator("#verify h2").filter(has_text="校验").wait_for()
    assert "通过" in keeper.inner_text("#verify") and "未通过" not in keeper.inner_text("#verify")
    keeper.locator("#deadlines-box h2").filter(has_text="时限").wait_for()
    keeper.locator("#capacity h2").filter(has_text="可支付月数").wait_for()
    shots(keeper, "06-board")

    # the 科目余额表 as of 31 January shows the voucher; drill down to 明细账 and back to the 凭证
    keeper.goto(f"{base}/ledger/{LEDGER}/tb?day=2024-01-31")
    line = keeper.locator("tr", has=keeper.locator("td >> text='1002'"))
    assert "2,234.56" in line.inner_text() and "借" in line.inner_text()
    shots(keeper, "07-trial-balance")
    with keeper.expect_navigation():
        keeper.click("td >> text='1002'")
    assert "收到职工医保个人缴费" in keeper.inner_text("main")
    shots(keeper, "08-detail")

    # statements and the XLSX download
    keeper.goto(f"{base}/ledger/{LEDGER}/statements?period=2024-01")
    shots(keeper, "09-statements")
    with keeper.expect_download() as info:
        keeper.click("text=下载 XLSX")
    saved = tmp_path / "statements.xlsx"
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    values = {Decimal(str(c.value)).quantize(Decimal("0.01")) for ws in book.worksheets for r in ws.iter_rows()
              for c in r if isinstance(c.value, int | float)}
    assert Decimal("2234.56") in values

    # the bank: February's statement uploaded (the bar fills), the receipt rules' proposal, confirmed;
    # then the 调节表: 100301 is booked 8.00 of interest by the rule, the bank says 8.00 (balance 15.34)
    statement = tmp_path / "february.csv"
    statement.write_text("本方账号：62000000000000000001\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n"
                         "2024-02-21,结息,,8.00,15.34,建设银行,0004,F1\n", encoding="utf-8")
    keeper.goto(f"{base}/ledger/{LEDGER}/bank?period=2024-02")
    keeper.fill("input[name=period]", "2024-02")
    keeper.set_input_files("input[name=statement]", str(statement))
    keeper.click("#upload button.primary")
    keeper.locator("#import-result").wait_for()
    assert keeper.locator("#progress").get_attribute("hidden") is None
    assert keeper.evaluate("document.getElementById('progress').value") == 100
    proposal = keeper.inner_text("#receipts")
    assert "interest-fiscal-employee" in proposal and "8.00" in proposal and "预览" in proposal
    shots(keeper, "12-bank-upload")
    with keeper.expect_navigation():
        keeper.click("#confirm")
    assert "已生成凭证 1" in keeper.inner_text("main")
    keeper.goto(f"{base}/ledger/{LEDGER}/bank/100301/reconcile?period=2024-02")
    table = keeper.inner_text("main")
    assert "银行存款余额调节表" in table and "15.34" in table
    shots(keeper, "13-reconciliation")

    # the English switch
    keeper.goto(f"{base}/ledger/{LEDGER}/tb?day=2024-01-31")
    with keeper.expect_navigation():
        keeper.click("text=English")
    assert keeper.locator("h1").inner_text().startswith(f"{LEDGER} Trial balance")
    shots(keeper, "10-english")

    # a summary that is a script shows as text, and runs nowhere
    evil = "<script>alert(1)</script>"
    maker.goto(f"{base}/ledger/{LEDGER}/new")
    maker.fill("input[name=date]", "2024-02-05")
    maker.fill("input[name=summary]", evil)
    maker.fill("input[name=account0]", "1002")
    maker.fill("input[name=debit0]", "1.00")
    maker.fill("input[name=account1]", "400101")
    maker.fill("input[name=credit1]", "1.00")
    maker.locator("#check").filter(has_text="借贷平衡").wait_for()
    maker.click("button.primary")
    maker.wait_for_url("**/voucher/*")
    assert evil in maker.inner_text("main")
    checker.goto(f"{base}/ledger/{LEDGER}/review")
    assert evil in checker.inner_text("main")
    assert maker.dialogs == [] and checker.dialogs == []  # type: ignore[attr-defined]

    # the auditor sees the trail and no button that writes
    auditor = _login(browser, base, "auditor")
    auditor.goto(f"{base}/audit")
    trail = auditor.inner_text("main")
    assert "网页录入凭证 web_post_voucher" in trail and "网页结账 web_close" in trail
    shots(auditor, "11-audit")
    auditor.goto(f"{base}/entity/{ENTITY}?period=2024-02")
    auditor.goto(f"{base}/ledger/{LEDGER}/review")
    assert auditor.locator("button.primary").count() == 0
    assert len(shots.taken) == 13
