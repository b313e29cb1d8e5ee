"""Clients of one session and service share their class; everything per client stays per client."""

import boto3

from byok import client_classes

ENDPOINT = "http://127.0.0.1:9"  # never called: these tests only build clients


def client(session, service, key="AKIDEXAMPLE", region="eu-west-1"):
    return session.client(
        service, region_name=region, endpoint_url=ENDPOINT, aws_access_key_id=key, aws_secret_access_key="secret"
    )


def test_clients_of_a_session_and_service_share_one_class_but_keep_their_own_credentials_and_region():
    client_classes.install()
    session = boto3.session.Session()
    first, second = client(session, "ec2", "AKIDFIRST"), client(session, "ec2", "AKIDSECOND", "eu-central-1")
    assert type(first) is type(second)
    assert first._request_signer._credentials.access_key == "AKIDFIRST"
    assert second._request_signer._credentials.access_key == "AKIDSECOND"
    assert (first.meta.region_name, second.meta.region_name) == ("eu-west-1", "eu-central-1")
    assert first.meta.events is not second.meta.events, "per-client event handlers stay per client"


def test_each_session_and_service_gets_its_own_class_with_the_sessions_base_classes():
    client_classes.install()
    one, other = boto3.session.Session(), boto3.session.Session()
    assert type(client(one, "kms")) is not type(client(other, "kms"))
    assert type(client(one, "kms")) is not type(client(one, "logs"))
    assert hasattr(client(one, "s3"), "upload_file"), "boto3's S3 transfer methods, added by a session handler"


def test_installing_twice_patches_once():
    client_classes.install()
    patched = client_classes.ClientCreator._create_client_class
    client_classes.install()
    assert client_classes.ClientCreator._create_client_class is patched
