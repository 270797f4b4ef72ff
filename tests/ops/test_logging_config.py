"""The server's log lines: JSON, without ANSI escapes, and a deliberately cut answer not an
error."""

import io
import logging
import logging.config

import orjson
import pytest

from app.ops.logging_config import LEFT_INCOMPLETE, logging_config


def _logged(level: str, message: str, record_level: int, **extra: str) -> list[dict[str, str]]:
    stream = io.StringIO()
    config = logging_config(level)
    config["handlers"]["json"]["stream"] = stream  # in place of stderr
    logging.config.dictConfig(config)
    try:
        logging.getLogger("uvicorn.error").log(record_level, message, extra=extra)
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    return [orjson.loads(line) for line in stream.getvalue().splitlines()]


def test_lines_carry_no_color_message() -> None:
    (line,) = _logged("INFO", "Started", logging.INFO, color_message="\x1b[32mStarted\x1b[0m")
    assert line["message"] == "Started"
    assert "color_message" not in line
    assert not [value for value in line.values() if "\x1b" in value]


@pytest.mark.parametrize(
    ("level", "shown"), [("DEBUG", ["INFO"]), ("INFO", ["INFO"]), ("WARNING", []), ("ERROR", [])]
)
def test_an_answer_left_incomplete_on_purpose_is_info(level: str, shown: list[str]) -> None:
    lines = _logged(level, LEFT_INCOMPLETE, logging.ERROR)
    assert [line["level"] for line in lines] == shown


def test_other_errors_stay_errors() -> None:
    (line,) = _logged("WARNING", "Exception in ASGI application", logging.ERROR)
    assert line["level"] == "ERROR"
