"""The flow specs are consistent in themselves: what a flow takes, describes and posts come from one spec."""

from __future__ import annotations

import inspect

import pytest

from postings import flows
from postings.flows.registry import FLOWS
from postings.flows.spec import Bank, OneOf, Role


def _roles(role: Role) -> list[Role]:
    return [role, *(r for _, inner in role.by for r in _roles(inner))] if isinstance(role, OneOf) else [role]


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.name)
def test_function_takes_exactly_the_spec_options(spec) -> None:  # type: ignore[no-untyped-def]
    function = getattr(flows, spec.name.replace("-", "_"))
    assert function is spec.function
    parameters = inspect.signature(function).parameters
    assert list(parameters) == [
        "session",
        *(p.name for p in spec.parameters),
        "allow_overdraw",
        "dry_run",
        "preparer",
        "batch",
    ]
    for p in spec.parameters:
        assert (parameters[p.name].default is inspect.Parameter.empty) == p.required, p.name


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.name)
def test_every_bank_role_is_chosen_by_an_option_of_its_flow(spec) -> None:  # type: ignore[no-untyped-def]
    names = {p.name for p in spec.parameters}
    for template in spec.vouchers:
        if template.side == "to_ledger":
            assert spec.mirrored and "to_ledger" in names
        for leg in template.legs:
            for role in _roles(leg.role):
                if isinstance(role, Bank):
                    assert role.option in names, (spec.name, role)
                if isinstance(role, OneOf):
                    assert role.option in names, (spec.name, role)


def test_unknown_or_missing_options_are_refused_before_the_books_are_read() -> None:
    with pytest.raises(TypeError, match="what"):
        flows.remit_up(None, ledger="X1-EMP", date=None, amount="1", key="K")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bogus"):
        flows.treasury_to_fiscal(None, ledger="C-EMP", date=None, amount="1", key="K", bogus=1)  # type: ignore[arg-type]
