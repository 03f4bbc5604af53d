"""The README keeps up with the program: every command, option and editable file is documented."""

import argparse
import re
from pathlib import Path

from dashboard.cli import _parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_readme():
    parser = _parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    missing = []
    for name, command in commands.choices.items():
        if not re.search(rf"python -m dashboard {name}\b|`{name}\b", README):
            missing.append(name)
        for action in command._actions:
            missing += [option for option in action.option_strings if option.startswith("--")
                        and option != "--help" and option not in README]
    assert missing == []


def test_every_editable_data_file_is_in_the_readme():
    data = Path(__file__).resolve().parent.parent / "data"
    editable = sorted([*data.glob("*.csv"), *data.glob("*.toml")])
    assert [path.name for path in editable if f"data/{path.name}" not in README] == []


def test_the_readme_starts_with_the_two_commands():
    commands = re.findall(r"^(pip install .+)$", README.split("##")[0], flags=re.MULTILINE)
    assert [command.split("#")[0].strip() for command in commands] == [
        "pip install -r requirements.txt && streamlit run dashboard/server.py",
        "pip install -r requirements-test.txt && python -m pytest",
    ]
