"""This project's Dockerfile read as data, by dockerfile-parse: its stages and their instructions.

dockerfile-parse reads the syntax (continuations, comments, `FROM ... AS name`, ENV's forms and
quotes); this adds the view the checks of tests/e2e/test_deploy.py ask: instructions grouped by
stage, and a RUN's commands as words.
"""

import io
import json
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path

from dockerfile_parse import DockerfileParser
from dockerfile_parse.parser import image_from

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


@dataclass(frozen=True)
class Stage:
    base: str  # the image (or earlier stage) it starts from, as written
    name: str | None  # `AS name`
    instructions: tuple[tuple[str, str], ...] = ()  # (keyword upper case, value), after its FROM
    environment: dict[str, str] = field(default_factory=dict)  # what its ENV instructions set

    def arguments(self, keyword: str) -> list[str]:
        """The values of each of this stage's `keyword` instructions, in order."""
        return [value for found, value in self.instructions if found == keyword]

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


def stages(text: str | None = None) -> list[Stage]:
    """The stages of a Dockerfile (`text`, else this project's), in order; ValueError when an
    instruction comes before the first FROM."""
    source = DOCKERFILE.read_text() if text is None else text
    parser = DockerfileParser(fileobj=io.BytesIO(source.encode()))
    found: list[Stage] = []
    for instruction, context in zip(parser.structure, parser.context_structure, strict=True):
        keyword, value = instruction["instruction"], instruction["value"]
        if keyword == "FROM":
            base, name = image_from(value)
            found.append(Stage(base, name))
        elif keyword == "COMMENT":
            continue
        elif not found:
            raise ValueError(f"{keyword} before the first FROM")
        else:
            last = found[-1]
            found[-1] = replace(
                last, instructions=(*last.instructions, (keyword, value)), environment=context.envs
            )
    return found


def stage(name: str) -> Stage:
    """This project's stage `name`."""
    [found] = [s for s in stages() if s.name == name]
    return found


def exec_form(arguments: str) -> list[str]:
    """A CMD's (or HEALTHCHECK's `CMD ...`) JSON array; ValueError for the shell form."""
    command = json.loads(arguments.partition("CMD ")[2] if "CMD " in arguments else arguments)
    if not (isinstance(command, list) and all(isinstance(word, str) for word in command)):
        raise ValueError(f"not an exec-form command: {arguments}")
    return command


def _split_at(words: list[str], separator: str) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    for word in words:
        if word == separator:
            commands.append([])
        else:
            commands[-1].append(word)
    return [command for command in commands if command]
