"""Transaction plans: action kinds, link and unlink order."""
from __future__ import annotations

import pytest

from tests.solver.support import installed_record, repodata_record
from umm.solver import Action, Transaction
from umm.solver.transaction import dependency_order


def rec(desc, channel="main"):
    return repodata_record(desc, channel)


def test_kinds_of_actions() -> None:
    installed = [installed_record({"name": "up", "version": "1.0"}),
                 installed_record({"name": "down", "version": "2.0"}),
                 installed_record({"name": "bn", "version": "1.0", "build": "h_1", "build_number": 1}),
                 installed_record({"name": "build", "version": "1.0", "build": "a"}),
                 installed_record({"name": "chan", "version": "1.0"}, "main"),
                 installed_record({"name": "same", "version": "1.0"}),
                 installed_record({"name": "gone", "version": "1.0"})]
    new = [rec({"name": "up", "version": "1.1"}), rec({"name": "down", "version": "1.9"}),
           rec({"name": "bn", "version": "1.0", "build": "h_2", "build_number": 2}),
           rec({"name": "build", "version": "1.0", "build": "b"}),
           rec({"name": "chan", "version": "1.0"}, "other"),
           rec({"name": "same", "version": "1.0"}), rec({"name": "fresh", "version": "0.1"})]
    tx = Transaction.plan(installed, new)
    kinds = {a.name: a.kind for a in tx.actions}
    assert kinds == {"up": "upgrade", "down": "downgrade", "bn": "upgrade", "build": "change",
                     "chan": "change", "gone": "remove", "fresh": "install"}
    assert tx.summary() == {"upgrade": 2, "downgrade": 1, "change": 2, "remove": 1,
                            "install": 1}
    up = next(a for a in tx.by_kind("upgrade") if a.name == "up")
    assert up.old.version == "1.0" and up.new.version == "1.1"
    assert {r.name for r in tx.to_link} == {"up", "down", "bn", "build", "chan", "fresh"}
    assert {r.name for r in tx.to_unlink} == {"up", "down", "bn", "build", "chan", "gone"}


def test_unchanged_is_nothing_unless_force_reinstall_of_a_requested_name() -> None:
    installed = [installed_record("main::a 1.0"), installed_record("main::b 1.0")]
    new = [rec("a 1.0"), rec("b 1.0")]
    assert Transaction.plan(installed, new).is_empty
    assert not Transaction.plan(installed, new)
    tx = Transaction.plan(installed, new, requested=["a"], force_reinstall=True)
    assert [(a.kind, a.name) for a in tx] == [("reinstall", "a")]
    assert [r.name for r in tx.to_link] == ["a"] and [r.name for r in tx.to_unlink] == ["a"]


def test_link_order_is_dependencies_first_and_unlink_the_reverse() -> None:
    new = [rec({"name": "app", "version": "1", "depends": ["lib", "python"]}),
           rec({"name": "lib", "version": "1", "depends": ["libc"]}),
           rec({"name": "libc", "version": "1"}),
           rec({"name": "python", "version": "3.12", "depends": ["libc", "pip"]}),
           rec({"name": "pip", "version": "24", "depends": ["python"]})]
    order = [r.name for r in dependency_order(new)]
    assert order.index("libc") < order.index("lib") < order.index("app")
    assert order.index("python") < order.index("pip") < order.index("app")
    installed = [installed_record(dict(name=r.name, version="0", depends=list(r.depends)))
                 for r in new]
    tx = Transaction.plan(installed, [])
    unlink = [r.name for r in tx.to_unlink]
    assert unlink.index("app") < unlink.index("lib") < unlink.index("libc")
    assert unlink.index("pip") < unlink.index("python")
    assert all(a.kind == "remove" for a in tx)


def test_long_chains_do_not_recurse() -> None:
    chain = [rec({"name": f"p{i}", "version": "1", "depends": [f"p{i + 1}"]})
             for i in range(3000)] + [rec("p3000 1")]
    order = [r.name for r in dependency_order(chain)]
    assert order[0] == "p3000" and order[-1] == "p0"


def test_actions_are_immutable_values() -> None:
    a = Action("install", "x", None, rec("x 1"))
    with pytest.raises(AttributeError):
        a.kind = "remove"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Action("frobnicate", "x")
    assert a == Action("install", "x", None, rec("x 1"))
    assert "install" in repr(a)
