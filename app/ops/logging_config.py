"""How the server and every worker log: each line one JSON object (python-json-logger)."""

from typing import Any


def logging_config(level: str) -> dict[str, Any]:
    """Logging for the server and every worker: each line one JSON object, with time, level,
    logger and message (and the traceback, if any). The per-request lines do not go through
    `logging` (see app.ops.access_log)."""
    to_stderr = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    quiet = {"level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "handlers": {
            "json": {**to_stderr, "formatter": "json"},
        },
        "loggers": {
            "uvicorn": {**quiet, "handlers": ["json"]},
            "app": {**quiet, "handlers": ["json"]},
        },
    }
