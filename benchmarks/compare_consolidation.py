"""The consolidation's figures as JSON, to compare two trees on the same books (issue 19 item 1).

A plain script (no timing). It prints, for C4208 and both funds, the consolidated trial balance
(one month and year to date), the 汇总 资产负债表 and 收支表, the inter-level pairs' totals, the
consolidated 决算 of 2024 (as text) and ``reconcile levels`` of three months — without the
inter-level listings and ``matched``, which differ by design between item and month-total
matching. Run it with ``TREE=/path/to/other/checkout`` and without, then compare the outputs::

    TREE=/tmp/main python benchmarks/compare_consolidation.py sqlite:////tmp/j/c100k.db > before.json
    python benchmarks/compare_consolidation.py sqlite:////tmp/j/c100k.db > after.json
"""

from __future__ import annotations

import json
import os
import sys

if os.environ.get("TREE"):
    sys.path.insert(0, os.environ["TREE"])

from ledger import db
from reports.consolidation import consolidated_statements, consolidated_trial_balance
from reports.final_accounts import final_accounts
from reports.reconciliation.levels import reconcile_levels


def main(url: str) -> None:
    engine = db.make_engine(url)
    out: dict[str, object] = {}
    with db.session_factory(engine)() as s:
        for fund in ("employee", "resident"):
            for p in (202401, 202406, 202412, 202503):
                tb = consolidated_trial_balance(s, "C4208", fund, p).to_dict()
                il: dict = tb.pop("inter_level")  # type: ignore[assignment]
                out[f"tb {fund} {p}"] = tb
                out[f"il {fund} {p}"] = {"eliminated_total": il["eliminated_total"], "pairs": il["pairs"],
                                         "differences": len(il["differences"])}
                ytd = consolidated_trial_balance(s, "C4208", fund, (p // 100) * 100 + 1, p).to_dict()
                ytd.pop("inter_level")
                out[f"tb-ytd {fund} {p}"] = ytd
                bs, inc, _ = consolidated_statements(s, "C4208", fund, p)
                out[f"bs {fund} {p}"] = bs.to_dict()
                out[f"inc {fund} {p}"] = inc.to_dict()
            fa = final_accounts(s, "C4208", fund, 2024, consolidated=True, draft=True).to_dict()
            fa.pop("inter_level", None)
            out[f"fa {fund}"] = fa
        for p in (202401, 202406, 202412):
            r = reconcile_levels(s, "C4208", p).to_dict()
            r.pop("matching", None)
            for pair in r["pairs"]:  # type: ignore[attr-defined]
                pair.pop("matched")
            out[f"levels {p}"] = r
    engine.dispose()
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main(db.database_url(sys.argv[1]))
