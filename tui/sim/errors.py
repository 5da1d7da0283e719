"""The one exception the simulated control plane raises: an AWS error as it goes on the wire."""

from __future__ import annotations


class SimError(Exception):
    """An AWS-shaped error: `code` becomes `__type` / `x-amzn-ErrorType`, `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"SimError({self.code!r}, {self.message!r}, status={self.status})"


def validation_error(message: str, service: str = "sagemaker") -> SimError:
    """A 400 for a request AWS would refuse before looking at any resource.

    CloudWatch Logs reports these as InvalidParameterException; SageMaker and SSM as ValidationException.
    """
    code = "InvalidParameterException" if service == "logs" else "ValidationException"
    return SimError(code, message, 400)
