"""The log line formats, shared by Django's LOGGING (config/settings/base.py) and gunicorn's
own lines (config/gunicorn.py): text, or one JSON object a line with timestamp, level,
logger, request_id and message. Lines outside a request carry request_id "-"."""

NO_REQUEST_ID = "-"

FORMATTERS = {
    "text": {
        "()": "logging.Formatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        "defaults": {"request_id": NO_REQUEST_ID},
    },
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        # request_id comes from the record (the request id filter) or from the defaults.
        "fmt": ["levelname", "name", "message"],
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": True,
        "defaults": {"request_id": NO_REQUEST_ID},
    },
}
