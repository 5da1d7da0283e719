"""`--log-file PATH`: a debug log through Python's logging (the app's loggers and botocore's), never a secret.

botocore at DEBUG writes each request's headers (Authorization: the access key id and signature;
X-Amz-Security-Token: the session token) and each answer's body (SSM StartSession's TokenValue). Every record
goes through `redact` after formatting, whatever logger wrote it: those values become `<redacted>`. botocore's
event hooks (one line per handler per call) stay at INFO: they would drown the rest.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
REDACTED = "<redacted>"
_QUIET = ("botocore.hooks", "botocore.loaders", "botocore.endpoint_provider", "botocore.regions", "urllib3")

_SECRET_PATTERNS = (
    # header or dict entries: 'Authorization': b'AWS4-HMAC-SHA256 Credential=…', "X-Amz-Security-Token": "…"
    re.compile(
        r"(?i)((?:authorization|x-amz-security-token|x-amz-date-token|tokenvalue|sessiontoken|session_token|"
        r"secretaccesskey|secret_access_key|aws_secret_access_key|aws_session_token|accesskeyid|access_key|"
        r"aws_access_key_id|password|secret)['\"]?\s*[:=]\s*b?['\"]?)([^'\"\s,}]+(?:\s[^'\"\s,}]+)*)"
    ),
    re.compile(r"(?i)(Credential=)[^,\s'\"]+"),
    re.compile(r"(?i)(Signature=)[0-9a-f]+"),
    re.compile(r"()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(path: Path, *, botocore_level: int = logging.DEBUG) -> logging.Handler:
    """Append the debug log to `path` (created with mode 0600); returns the handler (tests remove it)."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("botocore").setLevel(botocore_level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger("tui").info("debug log started: %s", path)
    return handler
