"""This project's Dockerfile read as data: its stages and their instructions.

Enough of Dockerfile syntax for the checks of our own Dockerfile (comments, `\\` continuations,
`FROM ... AS name`, shell-form RUN, exec-form CMD and HEALTHCHECK, `ENV k=v`), not a general parser.
"""

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parent.parent / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, ...
    arguments: str  # the rest, continuation lines joined by a space


@dataclass(frozen=True)
class Stage:
    base: str  # the image it starts from, as written
    name: str | None  # `AS name`
    instructions: tuple[Instruction, ...]  # after its FROM

    def arguments(self, keyword: str) -> list[str]:
        """The arguments of each of this stage's `keyword` instructions, in order."""
        return [i.arguments for i in self.instructions if i.keyword == keyword]

    def environment(self) -> dict[str, str]:
        """The variables its ENV instructions set (only the `k=v` form)."""
        pairs = [word.partition("=") for env in self.arguments("ENV") for word in shlex.split(env)]
        return {name: value for name, _, value in pairs}

    def run_commands(self) -> list[list[str]]:
        """Each command of its shell-form RUN instructions, split at `&&`, RUN's own flags
        (`--mount=...`) left out."""
        commands: list[list[str]] = []
        for run in self.arguments("RUN"):
            words = shlex.split(run)
            while words and words[0].startswith("--"):
                words.pop(0)
            commands += _split_at(words, "&&")
        return commands


def stages(text: str) -> list[Stage]:
    """The stages of a Dockerfile, in order; ValueError when it does not start with FROM."""
    found: list[Stage] = []
    for instruction in _instructions(text):
        if instruction.keyword == "FROM":
            base, _, name = instruction.arguments.partition(" AS ")
            found.append(Stage(base.strip(), name.strip() or None, ()))
        elif not found:
            raise ValueError(f"{instruction.keyword} before the first FROM")
        else:
            last = found[-1]
            found[-1] = Stage(last.base, last.name, (*last.instructions, instruction))
    return found


def exec_form(arguments: str) -> list[str]:
    """A CMD's (or HEALTHCHECK's `CMD ...`) JSON array; ValueError for the shell form."""
    command = json.loads(arguments.partition("CMD ")[2] if "CMD " in arguments else arguments)
    if not (isinstance(command, list) and all(isinstance(word, str) for word in command)):
        raise ValueError(f"not an exec-form command: {arguments}")
    return command


def _instructions(text: str) -> list[Instruction]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # Docker drops comment lines, inside continuations too
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        lines.append(pending + line)
        pending = ""
    keyword_and_rest = [line.partition(" ") for line in lines]
    return [Instruction(keyword.upper(), rest.strip()) for keyword, _, rest in keyword_and_rest]


def _split_at(words: list[str], separator: str) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    for word in words:
        if word == separator:
            commands.append([])
        else:
            commands[-1].append(word)
    return [command for command in commands if command]
