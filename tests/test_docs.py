"""The README says what the product does: its commands and its sample output stay true."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_in_the_readme_and_has_help(name):
    assert f"bhyt {name}" in README
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Example" in result.output


def test_the_readme_sample_fact_is_what_extract_prints():
    sample = re.search(r"```json\n(\{\"source\": \"000_.*?\})\n```", README, re.S).group(1)
    expected = json.loads(sample)
    result = CliRunner().invoke(cli, ["extract", str(ROOT / "corpus" / expected["source"])])
    facts = [json.loads(line) for line in result.stdout.splitlines()]
    assert expected in facts


def test_the_readme_opens_with_the_two_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)[:2]
    assert "bhyt build corpus/ --db bhyt.db" in blocks[0] and "bhyt serve bhyt.db" in blocks[0]
    assert "pytest" in blocks[1]
