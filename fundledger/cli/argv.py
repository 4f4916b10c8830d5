"""Global options in either place: ``fundledger --db X trial-balance`` and ``fundledger trial-balance --db X``.

Users of hledger, bean-check and git put ``--db`` (or ``-f``) and ``--format`` where their fingers
land; click only accepts an option on the command that declares it. ``normalise`` moves a root
option written after the subcommand to the front, and a ``--format`` written before the subcommand
to the subcommand, before click parses anything. It only moves tokens; every value is still
checked by the command that owns the option, and a ``--format`` before a command that has none is
refused here with one line.
"""

from __future__ import annotations

from typing import Any

from fundledger.cli.messages import message

#: Options of the root command that take a value (``--db URL``, ``--user NAME``).
ROOT_VALUE_OPTIONS = ("--db", "--user")
#: Options declared by many subcommands that a user may also write before the subcommand.
LEADING_SUBCOMMAND_OPTIONS = ("--format",)


class MisplacedOption(Exception):
    """A global option given to a command that has no such option (a usage error, exit 2)."""


def _name(token: str) -> str:
    return token.split("=", 1)[0]


def _take(tokens: list[str], i: int) -> tuple[list[str], int]:
    """The option at ``tokens[i]`` with its value (``--db X`` or ``--db=X``), and the index after it."""
    if "=" in tokens[i] or i + 1 >= len(tokens):
        return [tokens[i]], i + 1
    return [tokens[i], tokens[i + 1]], i + 2


def _command_path(root: Any, tokens: list[str]) -> tuple[Any, int, int] | None:
    """The command the tokens name, where its own arguments start and where the first subcommand
    name is; None when no subcommand is named (``--help``, ``--version``, a typo click reports)."""
    command = root
    i = 0
    first = -1
    # Duck-typed: typer vendors its own click, so a group is whatever holds subcommands.
    while hasattr(command, "commands") and i < len(tokens):
        token = tokens[i]
        if token.startswith("-"):
            known = ROOT_VALUE_OPTIONS + LEADING_SUBCOMMAND_OPTIONS
            i = _take(tokens, i)[1] if command is root and _name(token) in known else i + 1
            continue
        sub = command.commands.get(token)
        if sub is None:
            return None
        first = i if first < 0 else first
        command, i = sub, i + 1
    return (command, i, first) if first >= 0 else None


def _declares(command: Any, option: str) -> bool:
    return any(option in getattr(p, "opts", ()) for p in command.params)


def normalise(root: Any, argv: list[str]) -> list[str]:
    """``argv`` with global options moved to where click expects them (see the module docstring)."""
    resolved = _command_path(root, argv)
    if resolved is None:
        return list(argv)
    command, start, first = resolved
    before, path, tail = argv[:first], argv[first:start], argv[start:]
    rest: list[str] = []
    if "--" in tail:
        cut = tail.index("--")
        tail, rest = tail[:cut], tail[cut:]
    to_front: list[str] = []
    kept: list[str] = []
    i = 0
    while i < len(tail):
        if _name(tail[i]) in ROOT_VALUE_OPTIONS and not _declares(command, _name(tail[i])):
            taken, i = _take(tail, i)
            to_front += taken
        else:
            kept.append(tail[i])
            i += 1
    front: list[str] = []
    to_back: list[str] = []
    i = 0
    while i < len(before):
        if _name(before[i]) in LEADING_SUBCOMMAND_OPTIONS:
            taken, i = _take(before, i)
            if not _declares(command, _name(taken[0])):
                raise MisplacedOption(message("option_elsewhere", command=command.name, option=_name(taken[0])))
            to_back += taken
        else:
            taken, i = _take(before, i) if _name(before[i]) in ROOT_VALUE_OPTIONS else ([before[i]], i + 1)
            front += taken
    return front + to_front + path + kept + to_back + rest
