"""The errors every stage may raise (here, not in the stage packages, so that search and the
command line can name them without importing the stages)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sitegen.core.models import Problem


class BuildError(Exception):
    """A build that cannot complete; the message names the file and line."""


class InputError(ValueError):
    """A file of the user's that cannot be read as what it should be (config.yaml, taxonomy.yaml,
    a page); the message names the file and line. The command line reports every kind alike."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
