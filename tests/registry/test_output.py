"""Text output for terminals and CI logs: a problem cannot print a workflow command or a fake line."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from servicepoints.core.errors import Problem
from servicepoints.registry.output import problems_github, problems_text

HOSTILE_FILE = "data/points/x\n::error file=README.md,line=1::pwned\r\n##[error]also.yaml"


def commands(text: str) -> list[str]:
    """Lines the GitHub Actions runner would read as commands (it trims leading spaces first)."""
    return [line for line in text.splitlines() if line.lstrip().startswith(("::", "##["))]


def test_text_output_neutralises_line_breaks_and_workflow_commands():
    problem = Problem(HOSTILE_FILE, 3, "yaml-syntax", "坏了\n::warning::假的", record="::set-output name=x::y")
    text = problems_text([problem], 1)
    assert commands(text) == []
    assert text.splitlines()[0].startswith("data/points/x")
    assert all(line.startswith(("data/points/x", "  | ", "共 ")) for line in text.splitlines())
    assert "\r" not in text and "\x1b" not in problems_text([Problem("a\x1b[2J", 1, "yaml-syntax", "m")], 1)


def test_a_file_that_itself_starts_with_a_workflow_command_is_shown_inert():
    text = problems_text([Problem("::error::x.yaml", 1, "yaml-syntax", "m")], 1)
    assert commands(text) == [] and "::error::x.yaml" in text


def test_github_output_is_one_command_per_problem():
    text = problems_github([Problem(HOSTILE_FILE, 3, "yaml-syntax", "坏了\n::warning::假的\x07")], 1)
    lines = text.splitlines()
    assert len(lines) == 2 and lines[0].startswith("::error file=") and commands(text) == lines[:1]
    assert "\x07" not in text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=20))
def test_no_text_in_a_problem_can_start_a_command_line(file, message, record):
    problem = Problem(file or "f", 1, "yaml-syntax", message or "m", record=record or None)
    assert commands(problems_text([problem], 1)) == []
    assert len(commands(problems_github([problem], 1))) == 1
