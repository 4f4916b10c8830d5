"""The fund rules in the web workspace: a proposal anyone may read, that only a 主管 posts.

The world and the figures are ``tests/test_fund13_yichun.py``'s (宜春 001 四（五）), by hand: X1-EMP
collected 1,130,000 + 0.7 × 100,000 = 1,200,000 against a budget of 1,000,000 (超收 200,000) and spent
700,000 against 800,000 (节支 100,000): 300,000.00 credited to X1 by the city; X2 nothing.
"""

from __future__ import annotations

import warnings

from fundledger.users import add_user
from fundledger.web import create_app
from tests.test_fund13_yichun import _books, _credited, _set
from tests.web_books import csrf_of, login, password_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

RULE = "/entity/C/fund-rules?rule=yichun-incentive&fund=employee&year=2024&date=2025-01-20"


def test_a_director_posts_the_yichun_proposal(db_url, session, books):
    _books(session)
    for code, income, spent in (("X1-EMP", "1000000", "800000"), ("X2-EMP", "600000", "600000")):
        _set(db_url, code, "budget_income", income)
        _set(db_url, code, "budget_expenditure", spent)
    for role in ("director", "bookkeeper", "auditor"):
        add_user(session, role, role, password_of(role))
    session.commit()
    app = create_app(db_url, secret="fund")
    director, keeper, auditor = TestClient(app), TestClient(app), TestClient(app)
    for client, role in ((director, "director"), (keeper, "bookkeeper"), (auditor, "auditor")):
        assert login(client, role).status_code == 303
    page = director.get(RULE)
    assert page.status_code == 200, page.text[:400]
    assert "rule-error" not in page.text, page.text[page.text.find("rule-error"):][:400]
    transfers = page.text[page.text.index('id="transfers"'):].split("</table>")[0]
    assert "X1-EMP" in transfers and "300,000.00" in transfers and 'id="post-rule"' in page.text
    assert _credited(session) == (0, 0)  # a proposal writes nothing
    # the others read the proposal without the post button, and a post is refused
    for client in (keeper, auditor):
        shown = client.get(RULE)
        assert shown.status_code == 200 and "300,000.00" in shown.text and 'id="post-rule"' not in shown.text
        refused = client.post("/entity/C/fund-rules", data={"csrf": csrf_of(shown.text), "rule": "yichun-incentive",
                                                             "fund": "employee", "year": "2024", "date": "2025-01-20"})
        assert refused.status_code == 403
    assert _credited(session) == (0, 0)
    form = {"csrf": csrf_of(page.text), "rule": "yichun-incentive", "fund": "employee", "year": "2024",
            "date": "2025-01-20"}
    posted = director.post("/entity/C/fund-rules", data=form)
    assert posted.status_code == 200 and 'id="posted"' in posted.text and "已过账转账 1" in posted.text
    assert _credited(session) == (2, 30_000_000)  # the city's voucher and X1's, 300,000.00 on 4401
    again = director.post("/entity/C/fund-rules", data=form)
    assert "已过账转账 0" in again.text and "此前已过账" in again.text
    assert _credited(session) == (2, 30_000_000)
    # a rule the books cannot compute is said on the page, not a crash
    missing = director.get("/entity/C/fund-rules?rule=jingmen-gap&fund=employee&year=2024")
    assert missing.status_code == 200 and 'id="rule-error"' in missing.text
