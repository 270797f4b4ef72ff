"""How the server and every worker log: each line one JSON object (python-json-logger)."""

import logging
from typing import Any

# uvicorn's line for an answer the app left incomplete: the relay does so on purpose when
# upstream breaks off mid-answer (the client then sees it cut), and logs why itself.
LEFT_INCOMPLETE = "ASGI callable returned without completing response."


class ServerLines(logging.Filter):
    """uvicorn's lines as the proxy logs them: without `color_message` (the message again, with
    ANSI escapes, which JSON lines would carry), and `LEFT_INCOMPLETE` as INFO, not ERROR (shown
    only at INFO and below)."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self._threshold = logging.getLevelNamesMapping()[level]

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        if record.msg == LEFT_INCOMPLETE:
            record.levelno, record.levelname = logging.INFO, "INFO"
        return record.levelno >= self._threshold


def logging_config(level: str) -> dict[str, Any]:
    """Logging for the server and every worker: each line one JSON object, with time, level,
    logger and message (and the traceback, if any). The per-request lines do not go through
    `logging` (see app.ops.access_log)."""
    to_stderr = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    quiet = {"level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"server_lines": {"()": ServerLines, "level": level}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "json": {**to_stderr, "formatter": "json", "filters": ["server_lines"]},
        },
        "loggers": {
            "uvicorn": {**quiet, "handlers": ["json"]},
            "app": {**quiet, "handlers": ["json"]},
        },
    }
