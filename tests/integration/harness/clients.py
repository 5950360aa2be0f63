"""boto3 clients for the loopback servers, isolated from the developer's AWS setup."""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.session
from botocore.config import Config


def _botocore_session() -> botocore.session.Session:
    # Every client gets explicit keys, region and endpoint, so ~/.aws files
    # and AWS_PROFILE must not take part. session_vars maps a setting to
    # (config key, environment variable, default, converter); giving no
    # variable means AWS_PROFILE is not read.
    session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    return session


def make_client(
    service: str,
    endpoint: str,
    access_key: str,
    secret: str,
    token: str | None = None,
    region: str = "us-east-1",
    verify: str | bool | None = None,
    max_attempts: int = 2,
) -> Any:
    """Return a boto3 client for `service` at `endpoint` (S3 path-style, bounded retries).

    `verify` is a CA bundle path for HTTPS endpoints, or False to skip
    verification. Connect and read time-outs are 10 and 30 seconds.
    """
    session = boto3.session.Session(botocore_session=_botocore_session())
    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=10,
        read_timeout=30,
        # Loopback servers only: ignore any proxy in this process's environment.
        proxies={},
    )
    return session.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        verify=verify,
        config=config,
    )
