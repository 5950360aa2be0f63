"""Test harness for s3catalog's integration tests: moto, a scripted S3 stub, the CLI and logins."""

from .auth import Account, Session, add_user, create_account, create_token, log_in, new_password
from .cli import (
    CatalogTestCase,
    CliError,
    build_environment,
    parse_json_output,
    run_cli,
    run_json,
    s3catalog_binary,
)
from .moto import MotoServer, MotoServerError
from .s3stub import (
    CloseConnection,
    GeneratedPages,
    Obj,
    Page,
    RawReply,
    RecordedRequest,
    ResetConnection,
    S3Error,
    S3Stub,
    SigV4Credential,
    Stall,
    TruncateBody,
)
from .tls import TestCertificates, create_certificates, shared_certificates

__all__ = [
    "Account",
    "Session",
    "add_user",
    "create_account",
    "create_token",
    "log_in",
    "new_password",
    "CatalogTestCase",
    "CliError",
    "CloseConnection",
    "GeneratedPages",
    "MotoServer",
    "MotoServerError",
    "Obj",
    "Page",
    "RawReply",
    "RecordedRequest",
    "ResetConnection",
    "S3Error",
    "S3Stub",
    "SigV4Credential",
    "Stall",
    "TestCertificates",
    "TruncateBody",
    "build_environment",
    "create_certificates",
    "parse_json_output",
    "run_cli",
    "run_json",
    "s3catalog_binary",
    "shared_certificates",
]
