"""A large bank statement export for ``import bank`` benchmarks (issue 19 item 2), and its books.

Writes N statement lines of one 财政专户 whose running balance adds up, in one of two layouts:

* ``generic``: a UTF-8 CSV with a preamble (本方账号), 记账日期/摘要/借方金额/贷方金额/余额/对方户名/
  对方账号/流水号: every line has a bank serial, so lines are told apart by ``serial:`` identities;
* ``icbc``: 工商银行 企业网银 历史明细 in GB18030 with its 13 tab-padded columns and no serial, so
  lines are told apart by their content (``content:`` identities, occurrence numbers of equal
  lines): the layout that makes the importer number identical lines.

Amounts and counterparties come from a seeded generator, so a size always gives the same file.
``--books URL`` also builds the empty benchmark books (``world.sh``) and ties C4208-EMP 100301 to
the statement's account, ready for ``fundledger --db URL import bank --ledger C4208-EMP --account
100301 FILE``.

    python benchmarks/gen_statement.py --lines 300000 --layout generic --out /tmp/b/s300k.csv
    python benchmarks/gen_statement.py --lines 300000 --layout icbc --out /tmp/b/i300k.csv \\
        --books sqlite:////tmp/b/bank.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
from pathlib import Path

NUMBER = "42001100000050000123"
WORLD = Path(os.environ.get("BENCH_WORLD", "/work/shared/bench/world.sh"))
_COUNTERPARTIES = [("国家金库荆门市中心支库", "04200000000000000001", "国库划入"),
                   ("荆门市医疗保障局支出户", "42001100000050000456", "划入支出户"),
                   ("荆门市第一人民医院", "62284801234567890123", "住院费用结算"),
                   ("荆门市中医医院", "62284801234567890456", "门诊费用结算"),
                   ("中国建设银行荆门分行", "", "利息")]


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def write(path: Path, lines: int, layout: str, seed: int = 19) -> None:
    rng = random.Random(seed)
    balance = 500_000_000
    day = dt.date(2020, 1, 1)
    per_day = max(1, lines // 2000)
    encoding = "utf-8" if layout == "generic" else "gb18030"
    with path.open("w", encoding=encoding, newline="") as out:
        if layout == "generic":
            out.write(f"交易明细\n本方账号：{NUMBER}\n记账日期,摘要,借方金额,贷方金额,余额,对方户名,对方账号,流水号\n")
        else:
            out.write(f"历史明细查询\t\r\n账号：\t,{NUMBER}\t\r\n\r\n")
            header = ["凭证号", "本方账号", "对方账号", "交易时间", "借/贷", "借方发生额", "贷方发生额", "对方行号",
                      "摘要", "用途", "对方单位名称", "余额", "个性化信息"]
            out.write(",".join(h + "\t" for h in header) + "\r\n")
        for n in range(lines):
            if n and n % per_day == 0:
                day += dt.timedelta(days=1)
            name, account, summary = _COUNTERPARTIES[rng.randrange(len(_COUNTERPARTIES))]
            fen = rng.randrange(1, 5_000_000)
            out_of = rng.random() < 0.5 and balance > fen
            balance += -fen if out_of else fen
            debit, credit = (_yuan(fen), "") if out_of else ("", _yuan(fen))
            if layout == "generic":
                out.write(f'{day},{summary},"{debit}","{credit}","{_yuan(balance)}",{name},{account},S{n + 1:09d}\n')
            else:
                cells = [f"{n % 100000:08d}", NUMBER, account, f"{day} 10:{n % 60:02d}:{n % 59:02d}",
                         "借" if out_of else "贷", debit, credit, "011100099992", summary, "", name,
                         _yuan(balance), ""]
                out.write(",".join(f'"{c}"\t' if "," in c else f"{c}\t" for c in cells) + "\r\n")
        if layout == "generic":
            out.write("合计,,,,,,,\n")


def books(url: str) -> None:
    fundledger = shutil.which("fundledger") or "fundledger"
    subprocess.run(["bash", str(WORLD), url, fundledger], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([fundledger, "--db", url, "account", "add", "100301", "财政专户", "--ledger", "C4208-EMP",
                    "--bank-kind", "fiscal_special", "--bank-name", "工商银行荆门分行", "--bank-number", NUMBER],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--layout", choices=("generic", "icbc"), default="generic")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--books", metavar="URL", help="also build the benchmark books with the tied account")
    args = parser.parse_args()
    write(args.out, args.lines, args.layout)
    print(f"{args.out}: {args.lines} lines, {args.out.stat().st_size / 1e6:.1f} MB")
    if args.books:
        books(args.books)


if __name__ == "__main__":
    main()
