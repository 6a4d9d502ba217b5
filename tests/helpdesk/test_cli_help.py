"""The operator's command line explains itself: `--help` lists every command with what it
does, and every command's own `--help` says what it takes (the early parse of `--stage` used
to swallow `--help`, which then listed nothing)."""
from __future__ import annotations

import pytest


def _help(capsys, *argv: str) -> str:
    from chalicelib.cli import main

    with pytest.raises(SystemExit) as done:
        main.main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def _commands() -> list[str]:
    import argparse

    from chalicelib.cli import main

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    main._add_commands(sub)
    return sorted(sub.choices)


def test_help_lists_every_command_with_a_line_each(capsys):
    text = _help(capsys)
    commands = _commands()
    assert len(commands) >= 15
    for command in commands:
        line = next((row for row in text.splitlines() if row.strip().startswith(command + " ")),
                    "")
        assert line.strip() != command, f"{command} has no help line"
        assert command in text


@pytest.mark.parametrize("command", ["lookup", "withdraw", "restore", "resend-link",
                                     "revoke-link", "export", "reconcile", "replay-failures",
                                     "republish", "invite", "retention", "erase",
                                     "reindex-people", "domains", "trust-domain",
                                     "untrust-domain", "migrate-accounts"])
def test_every_command_has_its_own_help(capsys, command):
    text = _help(capsys, command)
    assert text.startswith("usage: python -m chalicelib.cli") and command in text
