"""AWS failures → a `Problem`: what went wrong and what to do, in words a person at 3 a.m. can act on.

Every exception that crosses from boto3 into the app goes through `classify`. The kinds decide behaviour:
`throttled` backs the poll off, `not_found` removes a cluster, `credentials`/`access` show a banner that stays
until a call succeeds, the rest mark the data stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore import exceptions as bx

from tui.core.bounds import ListingStopped, MalformedResponse
from tui.core.sanitize import clean

THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
REJECTED_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "AuthFailure",
    }
)
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized"})
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException", "NotFound"})

KINDS = (
    "credentials",
    "access",
    "throttled",
    "network",
    "not_found",
    "invalid",
    "service",
    "malformed",  # an answer that is not what the operation returns (core/bounds.py)
    "incomplete",  # a listing stopped at its page or time cap
    "unknown",
)


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    code: str  # the AWS error code or the exception class name
    message: str  # one line: what went wrong
    hint: str = ""  # one line: what to do

    @property
    def blocks_everything(self) -> bool:
        """Credentials and connectivity problems stop every call, so they deserve a banner, not a footnote."""
        return self.kind in ("credentials", "access", "network")

    def one_line(self) -> str:
        return f"{self.message} {self.hint}".strip()

    @property
    def label(self) -> str:
        """A few words for the header (`stale since 06:12:01 (no credentials)`): at most LABEL_CELLS characters."""
        if self.kind == "credentials":
            if self.code in ("NoCredentialsError", "PartialCredentialsError"):
                return "no credentials"
            return "expired token" if "expired" in self.message.lower() else "creds rejected"
        if self.kind == "network":
            return "timed out" if "timed out" in self.message else "unreachable"
        return _LABELS.get(self.kind) or self.code[:LABEL_CELLS]


LABEL_CELLS = 16
_LABELS = {
    "access": "access denied",
    "throttled": "throttled",
    "service": "AWS error",
    "malformed": "bad answer",
    "incomplete": "listing cut",
    "invalid": "bad request",
    "not_found": "not found",
}


def _login_hint(profile: str | None) -> str:
    if profile:
        return f"Refresh them (`aws sso login --profile {profile}` for SSO) — retrying at every refresh."
    return "Refresh them (`aws sso login` for SSO, or new AWS_* variables) — retrying at every refresh."


def classify(exc: BaseException, *, operation: str = "", profile: str | None = None, endpoint: str = "") -> Problem:
    """Map any exception raised by a boto3 call to a Problem. Never raises."""
    what = f" ({operation})" if operation else ""
    if isinstance(exc, MalformedResponse):
        if exc.endpoint is None:
            exc = exc.naming(endpoint or None, exc.operation or operation or None)
        return Problem("malformed", exc.code, clean(str(exc), max_len=300))
    if isinstance(exc, ListingStopped):
        return Problem("incomplete", exc.code, clean(str(exc), max_len=300))
    if isinstance(exc, bx.NoRegionError):
        return Problem("invalid", "NoRegion", "No AWS region is configured.", "Pass --region or set AWS_REGION.")
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        where = f"profile {profile!r}" if profile else "the environment, ~/.aws or an instance role"
        return Problem(
            "credentials",
            type(exc).__name__,
            f"No AWS credentials found in {where}.",
            "Run `aws configure` or `aws sso login`, set AWS_PROFILE, or try --demo.",
        )
    if isinstance(exc, bx.ProfileNotFound):
        return Problem(
            "invalid", "ProfileNotFound", clean(str(exc), max_len=300), "Check --profile against ~/.aws/config."
        )
    sso_errors = tuple(
        getattr(bx, name)
        for name in ("SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError")
        if hasattr(bx, name)
    )
    if sso_errors and isinstance(exc, sso_errors):
        return Problem(
            "credentials", type(exc).__name__, "The AWS SSO session has expired or is missing.", _login_hint(profile)
        )
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
        code = str(error.get("Code") or "Unknown")
        message = clean(error.get("Message") or str(exc), max_len=300)
        status = (
            (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode", 0)
            if isinstance(exc.response, dict)
            else 0
        )
        if code in EXPIRED_CODES:
            return Problem("credentials", code, f"The AWS credentials have expired{what}.", _login_hint(profile))
        if code in REJECTED_CODES:
            return Problem("credentials", code, f"AWS rejected the credentials{what}: {message}", _login_hint(profile))
        if code in DENIED_CODES:
            return Problem(
                "access",
                code,
                f"Access denied{what}: {message}",
                "The role needs sagemaker:List*/Describe* (and logs:/ssm: for logs and shells).",
            )
        if code in THROTTLE_CODES:
            return Problem(
                "throttled", code, f"AWS is throttling requests{what}.", "Backing off before the next refresh."
            )
        if code in NOT_FOUND_CODES:
            return Problem("not_found", code, message)
        if code == "ValidationException":
            return Problem("invalid", code, f"AWS rejected the request{what}: {message}")
        if status >= 500 or code in ("InternalFailure", "InternalServerError", "ServiceUnavailable"):
            return Problem(
                "service", code, f"AWS had an internal error{what}: {message}", "Retrying at the next refresh."
            )
        return Problem("unknown", code, f"{code}{what}: {message}")
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ProxyConnectionError):
        target = endpoint or getattr(exc, "kwargs", {}).get("endpoint_url", "") or "the AWS endpoint"
        return Problem(
            "network",
            type(exc).__name__,
            f"Cannot reach {clean(target, max_len=200)}.",
            "Check the network/VPN, the --region (a typo gives this too) and --endpoint-url.",
        )
    if isinstance(exc, bx.ReadTimeoutError | bx.ConnectionClosedError):
        return Problem(
            "network", type(exc).__name__, f"The connection to AWS timed out{what}.", "Retrying at the next refresh."
        )
    if isinstance(exc, bx.ParamValidationError):
        return Problem("invalid", "ParamValidationError", clean(str(exc), max_len=300))
    if isinstance(exc, bx.BotoCoreError):
        return Problem("unknown", type(exc).__name__, clean(str(exc), max_len=300))
    return Problem("unknown", type(exc).__name__, clean(f"{type(exc).__name__}: {exc}", max_len=300))
