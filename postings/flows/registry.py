"""Every named flow, with its Chinese name, the article it implements, its options and its vouchers.

The registry is data, so ``fundledger flow list`` and the CLI's ``fundledger flow NAME`` commands
are generated from it rather than written out eighteen times, and a new flow is one entry here.
``[part]`` in a voucher line means the 统筹基金 / 个人账户基金 sub-account in 职工医保 and the
account itself in 城乡居民医保.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ledger.errors import FlowInputError
from postings.flows import allocation, benefits, interest, province, remittance, treasury, year_start
from postings.flows.base import FlowResult


@dataclass(frozen=True)
class Param:
    """One option of a flow: ``kind`` is ledger|date|amount|key|text|choice|account."""

    name: str
    kind: str
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "option": self.option,
            "kind": self.kind,
            "required": self.required,
            "choices": list(self.choices),
            "help": self.help,
        }


@dataclass(frozen=True)
class VoucherShape:
    """One voucher a flow makes: in whose ledger, under which key, its debit and credit lines."""

    ledger: str
    key: str
    debit: tuple[str, ...]
    credit: tuple[str, ...]
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "ledger": self.ledger,
            "key": self.key,
            "debit": list(self.debit),
            "credit": list(self.credit),
            "note": self.note,
        }


@dataclass(frozen=True)
class FlowSpec:
    name: str
    chinese_name: str
    article: str
    levels: str
    function: Callable[..., FlowResult]
    params: tuple[Param, ...]
    vouchers: tuple[VoucherShape, ...]
    mirrored: bool = False

    @property
    def summary(self) -> str:
        return (self.function.__doc__ or "").strip().splitlines()[0]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "chinese_name": self.chinese_name,
            "article": self.article,
            "levels": self.levels,
            "mirrored": self.mirrored,
            "function": f"{self.function.__module__}.{self.function.__name__}",
            "description": self.summary,
            "parameters": [p.to_dict() for p in _COMMON + self.params],
            "vouchers": [v.to_dict() for v in self.vouchers],
        }


_PART_HELP = "职工医保: pooled (统筹基金) | personal (个人账户基金); leave out for 城乡居民医保"
_COMMON = (
    Param("ledger", "ledger", "the ledger that books (or pays) it", required=True),
    Param("date", "date", "voucher date, YYYY-MM-DD", required=True),
    Param(
        "key",
        "key",
        "idempotency key (e.g. the bank serial number); a pair derives KEY:up / KEY:down",
        required=True,
    ),
)
AMOUNT = Param("amount", "amount", "amount in yuan, e.g. 12345.67", required=True)
PART = Param("part", "choice", _PART_HELP, choices=("pooled", "personal"))
MEMO = Param("memo", "text", "words added to the summary (摘要)")
TO_LEDGER = Param(
    "to_ledger", "ledger", "the other ledger of the pair (default: the parent's ledger of this fund)"
)
CHILD = Param("to_ledger", "ledger", "the child's ledger that receives the money", required=True)
FROM = Param("from_account", "account", "the paying sub-account (default: the only leaf under its parent)")
TO = Param("to_account", "account", "the receiving sub-account (default: the only leaf under its parent)")
VIA = Param(
    "via_account", "account", "route (b): the city's expenditure sub-account the money passes through"
)
PAID_FROM = Param(
    "paid_from",
    "choice",
    "pay from fiscal_special (1003, default) or expenditure (1004)",
    choices=tuple(remittance.PAID_FROM),
)

PERSONAL_ONLY = Param("part", "choice", "职工医保 only, personal (个人账户基金)", choices=("personal",))
POOLED_ONLY = Param("part", "choice", "职工医保: pooled (统筹基金) only", choices=("pooled",))

_P = "[part]"
#: The vouchers of a county's remittance to its city, paid from 1003 or 1004 (remit-up, balance-remit).
REMITTANCE_VOUCHERS = (
    VoucherShape("county", "KEY:down", (f"5301 上解上级支出{_P}",), ("1003 财政专户存款 | 1004 支出户存款",)),
    VoucherShape("city", "KEY:up", ("1003 财政专户存款",), (f"4402 下级上解收入{_P}",)),
)
#: The vouchers of a city's allocation to a county by its route (allocate-down, reserve).
ALLOCATION_VOUCHERS = (
    VoucherShape("city", "KEY:fund", ("1004 支出户存款",), ("1003 财政专户存款",), "route (b) only"),
    VoucherShape(
        "city",
        "KEY:up",
        (f"5302 补助下级支出{_P}",),
        ("1003 财政专户存款 (route a) | 1004 支出户存款 (route b)",),
    ),
    VoucherShape("county", "KEY:down", ("1004 支出户存款",), (f"4401 上级补助收入{_P}",)),
)
FLOWS: tuple[FlowSpec, ...] = (
    FlowSpec(
        "premium-income",
        treasury.PREMIUM_INCOME,
        "荆门 第十七、十八条",
        "city",
        treasury.premium_income,
        (
            AMOUNT,
            Param(
                "part",
                "choice",
                _PART_HELP + "; pending (4601 待转) while the split is unknown",
                choices=("pooled", "personal", "pending"),
            ),
            Param("late_fee", "amount", "滞纳金 included, to 4501 其他收入"),
            Param("interest_subsidy", "amount", "贴息 included, to 4501 其他收入"),
            TO,
            MEMO,
        ),
        (
            VoucherShape(
                "city",
                "KEY",
                ("1005 国库存款",),
                (
                    f"4001 社会保险费收入{_P} (pending: 4601 待转社会保险费收入)",
                    f"4501 其他收入{_P} (滞纳金、贴息)",
                ),
            ),
        ),
    ),
    FlowSpec(
        "treasury-to-fiscal",
        treasury.TREASURY_TO_FISCAL,
        "荆门 第七、十八条",
        "city",
        treasury.treasury_to_fiscal,
        (AMOUNT, FROM, TO, MEMO),
        (VoucherShape("city", "KEY", ("1003 财政专户存款",), ("1005 国库存款",)),),
    ),
    FlowSpec(
        "transfer-income",
        treasury.TRANSFER_INCOME,
        "荆门 第十、十九条",
        "city, county",
        treasury.transfer_income,
        (AMOUNT, PERSONAL_ONLY, TO, MEMO),
        (
            VoucherShape(
                "the agency it belongs to",
                "KEY",
                ("1003 财政专户存款",),
                ("4301 转移收入 (个人账户基金)",),
                "职工医保 only: 城乡居民医保 has no 4301",
            ),
        ),
    ),
    FlowSpec(
        "subsidy-income",
        treasury.SUBSIDY_INCOME,
        "荆门 第八、二十条",
        "city, county",
        treasury.subsidy_income,
        (AMOUNT, POOLED_ONLY, TO, MEMO),
        (VoucherShape("the receiving agency", "KEY", ("1003 财政专户存款",), ("4101 财政补贴收入",)),),
    ),
    FlowSpec(
        "remit-up",
        remittance.REMIT_UP,
        "荆门 第十六、二十条",
        "county → city",
        remittance.remit_up,
        (
            AMOUNT,
            Param("what", "choice", "what is remitted", required=True, choices=tuple(remittance.WHAT)),
            TO_LEDGER,
            PART,
            PAID_FROM,
            FROM,
            TO,
            MEMO,
        ),
        REMITTANCE_VOUCHERS,
        mirrored=True,
    ),
    FlowSpec(
        "fiscal-to-expenditure",
        allocation.FISCAL_TO_EXPENDITURE,
        "荆门 第十三、二十一条",
        "city",
        allocation.fiscal_to_expenditure,
        (AMOUNT, FROM, TO, MEMO),
        (VoucherShape("city", "KEY", ("1004 支出户存款",), ("1003 财政专户存款",)),),
    ),
    FlowSpec(
        "allocate-down",
        allocation.ALLOCATE_DOWN,
        "荆门 第十四、二十一条 (route a or b, per city)",
        "city → county",
        allocation.allocate_down,
        (
            CHILD,
            AMOUNT,
            PART,
            Param(
                "purpose",
                "choice",
                "what the money pays for (default benefits)",
                choices=tuple(allocation.PURPOSES),
            ),
            FROM,
            VIA,
            TO,
            MEMO,
        ),
        ALLOCATION_VOUCHERS,
        mirrored=True,
    ),
    FlowSpec(
        "reserve",
        allocation.RESERVE,
        "荆门 第九条 (by 31 January)",
        "city → county",
        allocation.reserve,
        (
            CHILD,
            Param("amount", "amount", "the reserve; or give --annual-budget"),
            Param("annual_budget", "amount", "当年预算支出数: the reserve is one twelfth of it"),
            PART,
            FROM,
            VIA,
            TO,
            MEMO,
        ),
        ALLOCATION_VOUCHERS,
        mirrored=True,
    ),
    FlowSpec(
        "benefit-payment",
        benefits.BENEFIT_PAYMENT,
        "荆门 第二十一条",
        "city, county",
        benefits.benefit_payment,
        (
            AMOUNT,
            Param(
                "benefit",
                "choice",
                "benefit type (or a 5001 leaf code)",
                required=True,
                choices=tuple(benefits.BENEFIT_TYPES),
            ),
            PART,
            FROM,
            MEMO,
        ),
        (
            VoucherShape(
                "the paying agency",
                "KEY",
                (f"5001 社会保险待遇支出{_P} (leaf of the benefit type)",),
                ("1004 支出户存款",),
            ),
        ),
    ),
    FlowSpec(
        "transfer-out",
        benefits.TRANSFER_OUT_CN,
        "荆门 第二十一条",
        "city, county",
        benefits.transfer_out,
        (AMOUNT, PERSONAL_ONLY, FROM, MEMO),
        (
            VoucherShape(
                "the paying agency",
                "KEY",
                ("5201 转移支出 (个人账户基金)",),
                ("1004 支出户存款",),
                "职工医保 only",
            ),
        ),
    ),
    FlowSpec(
        "premium-refund",
        benefits.PREMIUM_REFUND,
        "荆门 第二十一条",
        "city, county",
        benefits.premium_refund,
        (AMOUNT, PART, FROM, MEMO),
        (VoucherShape("the paying agency", "KEY", (f"4001 社会保险费收入{_P}",), ("1004 支出户存款",)),),
    ),
    FlowSpec(
        "transfer-income-refund",
        benefits.TRANSFER_REFUND,
        "荆门 第二十一条",
        "city, county",
        benefits.transfer_income_refund,
        (AMOUNT, PERSONAL_ONLY, FROM, MEMO),
        (
            VoucherShape(
                "the paying agency",
                "KEY",
                ("4301 转移收入 (个人账户基金)",),
                ("1004 支出户存款",),
                "职工医保 only",
            ),
        ),
    ),
    FlowSpec(
        "deposit-interest",
        interest.DEPOSIT_INTEREST_CN,
        "荆门 第十一、二十条",
        "any",
        interest.deposit_interest,
        (
            AMOUNT,
            Param(
                "part",
                "choice",
                _PART_HELP + "; pending (4602 待转利息收入)",
                choices=("pooled", "personal", "pending"),
            ),
            Param(
                "on",
                "choice",
                "the account paid interest: expenditure (1004, default) or fiscal_special (1003)",
                choices=tuple(interest.ON),
            ),
            TO,
            MEMO,
        ),
        (
            VoucherShape(
                "the agency",
                "KEY",
                ("1004 支出户存款 | 1003 财政专户存款",),
                (f"4201 利息收入{_P}-存款利息 (pending: 4602 待转利息收入)",),
            ),
        ),
    ),
    FlowSpec(
        "interest-remit",
        interest.INTEREST_REMIT,
        "荆门 第十一条",
        "county → city",
        interest.interest_remit,
        (
            Param("quarter", "text", "the quarter whose interest is remitted, YYYYQn", required=True),
            Param("amount", "amount", "default: the 存款利息 the expenditure account earned in the quarter"),
            TO_LEDGER,
            PART,
            FROM,
            TO,
            MEMO,
        ),
        (
            VoucherShape("county", "KEY:down", (f"5301 上解上级支出{_P}",), ("1004 支出户存款",)),
            VoucherShape("city", "KEY:up", ("1003 财政专户存款",), (f"4402 下级上解收入{_P}",)),
        ),
        mirrored=True,
    ),
    FlowSpec(
        "balance-remit",
        year_start.BALANCE_REMIT,
        "荆门 第九、十六条",
        "county → city",
        year_start.balance_remit,
        (AMOUNT, TO_LEDGER, PART, PAID_FROM, FROM, TO, MEMO),
        REMITTANCE_VOUCHERS,
        mirrored=True,
    ),
    FlowSpec(
        "matured-deposit-remit",
        year_start.MATURED_DEPOSIT_REMIT,
        "荆门 第九条 (到期1笔，连本带息上解1笔)",
        "county → city",
        year_start.matured_deposit_remit,
        (
            Param("principal", "amount", "the principal that matured", required=True),
            Param("interest", "amount", "the interest paid with it"),
            Param(
                "holding",
                "account",
                "the matured 定期 sub-account of 1003 or the 1201 债券投资 leaf",
                required=True,
            ),
            TO_LEDGER,
            PART,
            Param("from_account", "account", "the county's 1003 活期 sub-account it is paid into"),
            TO,
            MEMO,
        ),
        (
            VoucherShape(
                "county",
                "KEY:mature",
                ("1003 财政专户存款 (活期)",),
                ("1003 定期 sub-account | 1201 债券投资", f"4201 利息收入{_P}-存款利息 | 债券利息"),
            ),
            VoucherShape("county", "KEY:down", (f"5301 上解上级支出{_P}",), ("1003 财政专户存款 (活期)",)),
            VoucherShape("city", "KEY:up", ("1003 财政专户存款",), (f"4402 下级上解收入{_P}",)),
        ),
        mirrored=True,
    ),
    FlowSpec(
        "province-remit",
        province.PROVINCE_REMIT,
        "江西 004 (二)",
        "city → province",
        province.province_remit,
        (AMOUNT, TO_LEDGER, POOLED_ONLY, FROM, TO, MEMO),
        (
            VoucherShape("city", "KEY:down", ("5301 上解上级支出 (统筹基金)",), ("1003 财政专户存款",)),
            VoucherShape("province", "KEY:up", ("1003 财政专户存款",), ("4402 下级上解收入 (统筹基金)",)),
        ),
        mirrored=True,
    ),
    FlowSpec(
        "province-allocate",
        province.PROVINCE_ALLOCATE,
        "江西 004 (三)",
        "province → city",
        province.province_allocate,
        (
            CHILD,
            AMOUNT,
            POOLED_ONLY,
            Param(
                "adjustment",
                "choice",
                "normal (正常调剂, default) | emergency (紧急调剂) | incentive (激励调剂)",
                choices=tuple(province.ADJUSTMENTS),
            ),
            FROM,
            TO,
            MEMO,
        ),
        (
            VoucherShape("province", "KEY:up", ("5302 补助下级支出 (统筹基金)",), ("1003 财政专户存款",)),
            VoucherShape("city", "KEY:down", ("1003 财政专户存款",), ("4401 上级补助收入 (统筹基金)",)),
        ),
        mirrored=True,
    ),
)

BY_NAME = {spec.name: spec for spec in FLOWS}
COMMON_PARAMS = _COMMON


def get_flow(name: str) -> FlowSpec:
    try:
        return BY_NAME[name]
    except KeyError:
        raise FlowInputError(f"unknown flow {name!r}; `fundledger flow list` names them all") from None
