import pytest
from botocore import exceptions as bx

from tui.core.errors import classify


def client_error(code, message="m", status=400):
    return bx.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "ListClusters"
    )


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (bx.NoCredentialsError(), "credentials"),
        (client_error("ExpiredTokenException"), "credentials"),
        (client_error("UnrecognizedClientException"), "credentials"),
        (client_error("AccessDeniedException"), "access"),
        (client_error("ThrottlingException"), "throttled"),
        (client_error("ResourceNotFound"), "not_found"),
        (client_error("ValidationException"), "invalid"),
        (client_error("InternalFailure", status=500), "service"),
        (client_error("SomethingNew", status=400), "unknown"),
        (bx.EndpointConnectionError(endpoint_url="https://api.sagemaker.us-wets-2.amazonaws.com/"), "network"),
        (bx.NoRegionError(), "invalid"),
        (bx.ProfileNotFound(profile="nope"), "invalid"),
        (RuntimeError("boom"), "unknown"),
    ],
)
def test_kinds(exc, kind):
    assert classify(exc).kind == kind


def test_expired_token_hint_names_the_profile():
    problem = classify(client_error("ExpiredToken"), operation="ListClusters", profile="prod")
    assert "expired" in problem.message and "aws sso login --profile prod" in problem.hint
    assert problem.blocks_everything


def test_messages_from_aws_are_sanitised():
    problem = classify(client_error("AccessDeniedException", "no \x1b[2Jway"))
    assert "\x1b" not in problem.message and "no way" in problem.message


def test_unreachable_endpoint_names_it():
    problem = classify(bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), endpoint="http://127.0.0.1:9")
    assert "127.0.0.1:9" in problem.message and "--region" in problem.hint
