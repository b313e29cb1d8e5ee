"""The catalogue: every AWS-provider resource type and attribute that takes a KMS key, as data.

One table for every byok tool that asks "where does this resource keep its key": the code scan and the
Checkov pack (a bare key ID counts only in an attribute that takes a key), the plan source and the live
fact sources (which attribute of a planned or recorded resource names its key). Paths are dotted through
nested blocks as Terraform writes them (``server_side_encryption_configuration.rule.
apply_server_side_encryption_by_default.kms_master_key_id``); a ``dynamic "rule"`` block's ``content`` level
is not part of the path. Attribute names follow the AWS provider 5.x documentation (checked against the
provider's resource docs); a type missing here is still caught by :func:`key_like_name` when its attribute
name says it holds a key, and ``tests/keyscan/test_catalogue.py`` proves the services that real estates use
are covered.

JSON documents that name keys (EMR security configurations, IAM and key policies) are plain strings to
Terraform: the scan reads them as JSON (see ``byok.keyscan.hcl``) and judges their keys by name.
"""

from __future__ import annotations

import re

_SSE_DEFAULT = "rule.apply_server_side_encryption_by_default.kms_master_key_id"
_EBS = "kms_key_id"

RESOURCES: dict[str, tuple[str, ...]] = {
    # Key management itself
    "aws_kms_alias": ("target_key_id",),
    "aws_kms_grant": ("key_id",),
    "aws_kms_ciphertext": ("key_id",),
    "aws_kms_key_policy": ("key_id",),
    "aws_kms_replica_key": ("primary_key_arn",),
    "aws_kms_replica_external_key": ("primary_key_arn",),
    # Storage
    "aws_s3_bucket": (
        f"server_side_encryption_configuration.{_SSE_DEFAULT}",
        "replication_configuration.rules.destination.replica_kms_key_id",
    ),
    "aws_s3_bucket_server_side_encryption_configuration": (_SSE_DEFAULT,),
    "aws_s3_bucket_replication_configuration": ("rule.destination.encryption_configuration.replica_kms_key_id",),
    "aws_s3_bucket_inventory": ("destination.bucket.encryption.sse_kms.key_id",),
    "aws_s3_object": ("kms_key_id",),
    "aws_s3_bucket_object": ("kms_key_id",),
    "aws_s3_object_copy": ("kms_key_id",),
    "aws_ebs_volume": (_EBS,),
    "aws_ebs_default_kms_key": ("key_arn",),
    "aws_ebs_snapshot_copy": (_EBS,),
    "aws_ebs_snapshot_import": (_EBS,),
    "aws_ami_copy": (_EBS,),
    "aws_instance": ("root_block_device.kms_key_id", "ebs_block_device.kms_key_id"),
    "aws_spot_instance_request": ("root_block_device.kms_key_id", "ebs_block_device.kms_key_id"),
    "aws_launch_template": ("block_device_mappings.ebs.kms_key_id",),
    "aws_efs_file_system": (_EBS,),
    "aws_efs_replication_configuration": ("destination.kms_key_id",),
    "aws_fsx_lustre_file_system": (_EBS,),
    "aws_fsx_windows_file_system": (_EBS,),
    "aws_fsx_ontap_file_system": (_EBS,),
    "aws_fsx_openzfs_file_system": (_EBS,),
    "aws_fsx_backup": (_EBS,),
    "aws_backup_vault": ("kms_key_arn",),
    "aws_storagegateway_nfs_file_share": ("kms_key_arn",),
    "aws_storagegateway_smb_file_share": ("kms_key_arn",),
    "aws_dlm_lifecycle_policy": ("policy_details.schedule.cross_region_copy_rule.cmk_arn",),
    "aws_imagebuilder_image_recipe": ("block_device_mapping.ebs.kms_key_id",),
    "aws_imagebuilder_component": ("kms_key_id",),
    "aws_imagebuilder_distribution_configuration": ("distribution.ami_distribution_configuration.kms_key_id",),
    # Databases
    "aws_db_instance": ("kms_key_id", "performance_insights_kms_key_id", "master_user_secret_kms_key_id"),
    "aws_rds_cluster": ("kms_key_id", "performance_insights_kms_key_id", "master_user_secret_kms_key_id"),
    "aws_rds_cluster_instance": ("performance_insights_kms_key_id",),
    "aws_db_instance_automated_backups_replication": ("kms_key_id",),
    "aws_db_snapshot_copy": ("kms_key_id",),
    "aws_rds_cluster_activity_stream": ("kms_key_id",),
    "aws_docdb_cluster": ("kms_key_id",),
    "aws_docdbelastic_cluster": ("kms_key_id",),
    "aws_neptune_cluster": ("kms_key_arn",),
    "aws_redshift_cluster": ("kms_key_id",),
    "aws_redshift_snapshot_copy_grant": ("kms_key_id",),
    "aws_redshiftserverless_namespace": ("kms_key_id",),
    "aws_dynamodb_table": ("server_side_encryption.kms_key_arn", "replica.kms_key_arn"),
    "aws_dynamodb_table_replica": ("kms_key_arn",),
    "aws_dynamodb_table_export": ("s3_sse_kms_key_id",),
    "aws_elasticache_replication_group": ("kms_key_id",),
    "aws_elasticache_serverless_cache": ("kms_key_id",),
    "aws_memorydb_cluster": ("kms_key_arn",),
    "aws_memorydb_snapshot": ("kms_key_arn",),
    "aws_keyspaces_table": ("encryption_specification.kms_key_identifier",),
    "aws_qldb_ledger": ("kms_key",),
    "aws_timestreamwrite_database": ("kms_key_id",),
    "aws_dms_endpoint": ("kms_key_arn", "s3_settings.server_side_encryption_kms_key_id"),
    "aws_dms_s3_endpoint": ("kms_key_arn", "server_side_encryption_kms_key_id"),
    "aws_dms_replication_instance": ("kms_key_arn",),
    "aws_dms_replication_config": ("compute_config.kms_key_id",),
    # Messaging, streaming, events
    "aws_sqs_queue": ("kms_master_key_id",),
    "aws_sns_topic": ("kms_master_key_id",),
    "aws_kinesis_stream": ("kms_key_id",),
    "aws_kinesis_video_stream": ("kms_key_id",),
    "aws_kinesis_firehose_delivery_stream": (
        "server_side_encryption.key_arn",
        "extended_s3_configuration.kms_key_arn",
        "s3_configuration.kms_key_arn",
    ),
    "aws_msk_cluster": ("encryption_info.encryption_at_rest_kms_key_arn",),
    "aws_mq_broker": ("encryption_options.kms_key_id",),
    "aws_cloudwatch_event_bus": ("kms_key_identifier",),
    "aws_pipes_pipe": ("kms_key_identifier",),
    "aws_scheduler_schedule": ("kms_key_arn",),
    "aws_sfn_state_machine": ("encryption_configuration.kms_key_id",),
    # Compute, containers, serverless
    "aws_lambda_function": ("kms_key_arn",),
    "aws_ecr_repository": ("encryption_configuration.kms_key",),
    "aws_ecs_cluster": (
        "configuration.execute_command_configuration.kms_key_id",
        "configuration.managed_storage_configuration.kms_key_id",
        "configuration.managed_storage_configuration.fargate_ephemeral_storage_kms_key_id",
    ),
    "aws_eks_cluster": ("encryption_config.provider.key_arn",),
    "aws_apprunner_service": ("encryption_configuration.kms_key",),
    "aws_mwaa_environment": ("kms_key",),
    "aws_emr_security_configuration": ("configuration",),  # JSON: EncryptionConfiguration...AwsKmsKey
    "aws_sagemaker_domain": ("kms_key_id",),
    "aws_sagemaker_notebook_instance": ("kms_key_id",),
    "aws_sagemaker_endpoint_configuration": ("kms_key_arn",),
    "aws_sagemaker_feature_group": ("offline_store_config.s3_storage_config.kms_key_id",),
    "aws_workspaces_workspace": ("volume_encryption_key",),
    "aws_codebuild_project": ("encryption_key",),
    "aws_codebuild_report_group": ("export_config.s3_destination.encryption_key",),
    "aws_codepipeline": ("artifact_store.encryption_key.id",),
    "aws_codeartifact_domain": ("encryption_key",),
    "aws_codecommit_repository": ("kms_key_id",),
    "aws_bedrockagent_agent": ("customer_encryption_key_arn",),
    # Logging, monitoring, security, analytics
    "aws_cloudwatch_log_group": ("kms_key_id",),
    "aws_cloudtrail": ("kms_key_id",),
    "aws_cloudtrail_event_data_store": ("kms_key_id",),
    "aws_config_delivery_channel": ("s3_kms_key_arn",),
    "aws_guardduty_publishing_destination": ("kms_key_arn",),
    "aws_securitylake_data_lake": ("configuration.encryption_configuration.kms_key_id",),
    "aws_xray_encryption_config": ("key_id",),
    "aws_ssm_parameter": ("key_id",),
    "aws_ssmincidents_replication_set": ("region.kms_key_arn",),
    "aws_secretsmanager_secret": ("kms_key_id", "replica.kms_key_id"),
    "aws_athena_workgroup": ("configuration.result_configuration.encryption_configuration.kms_key_arn",),
    "aws_athena_database": ("encryption_configuration.kms_key",),
    "aws_glue_data_catalog_encryption_settings": (
        "data_catalog_encryption_settings.encryption_at_rest.sse_aws_kms_key_id",
        "data_catalog_encryption_settings.connection_password_encryption.aws_kms_key_id",
    ),
    "aws_glue_security_configuration": (
        "encryption_configuration.cloudwatch_encryption.kms_key_arn",
        "encryption_configuration.job_bookmarks_encryption.kms_key_arn",
        "encryption_configuration.s3_encryption.kms_key_arn",
    ),
    "aws_elasticsearch_domain": ("encrypt_at_rest.kms_key_id",),
    "aws_opensearch_domain": ("encrypt_at_rest.kms_key_id",),
    "aws_kendra_index": ("server_side_encryption_configuration.kms_key_id",),
    "aws_networkfirewall_firewall": ("encryption_configuration.key_id",),
    "aws_route53_key_signing_key": ("key_management_service_arn",),
    "aws_connect_instance_storage_config": (
        "storage_config.s3_config.encryption_config.key_id",
        "storage_config.kinesis_video_stream_config.encryption_config.key_id",
    ),
    "aws_cognito_user_pool": ("lambda_config.kms_key_id",),
    "aws_customerprofiles_domain": ("default_encryption_key",),
    "aws_finspace_kx_environment": ("kms_key_id",),
    "aws_location_tracker": ("kms_key_id",),
    "aws_location_geofence_collection": ("kms_key_id",),
}

DATA_SOURCES: dict[str, tuple[str, ...]] = {
    "aws_kms_key": ("key_id",),
    "aws_kms_alias": ("name",),
    "aws_kms_public_key": ("key_id",),
    "aws_kms_ciphertext": ("key_id",),
}

# Attributes that define an alias rather than use a key: never a reference.
DEFINITIONS: frozenset[tuple[str, str]] = frozenset({("aws_kms_alias", "name")})

# Name parts that mark a key of something else (an S3 object, a DynamoDB schema, an API, SSH, IAM).
_OTHER_KEYS = frozenset(
    {"api", "access", "secret", "ssh", "public", "private", "license", "partition", "sort", "hash", "range",
     "primary", "foreign", "idempotency", "object", "cache", "client", "session", "tag", "dedup", "routing",
     "signing", "host", "pgp", "deduplication", "s3", "ssm", "attribute", "map", "lookup",
     # keys of monitoring, SaaS and other clouds' services, often UUIDs (an Azure instrumentation key)
     "instrumentation", "ingest", "ingestion", "integration", "enrollment", "subscription", "secondary",
     "webhook", "sdk", "mobile", "registration", "activation", "consumer", "deploy", "auth", "storage"}
)  # fmt: skip
_NAME_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|$)|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Attribute-path parts under which a value is data about the resource, never a key it uses.
_NOT_KEY_CONTAINERS = frozenset({"tags", "tags_all", "default_tags", "labels"})
_AWS_PROVIDERS = ("aws_", "awscc_")
# Where a variable and an output keep the value their name describes.
_VALUE_ATTRIBUTE = {"variable": "default", "output": "value"}
_KEY_ENDINGS = (("key",), ("key", "id"), ("key", "arn"), ("key", "ids"), ("key", "arns"), ("keys",))


def catalogued_paths(resource_type: str, data: bool = False) -> tuple[str, ...]:
    """The dotted attribute paths through which ``resource_type`` (a resource, or a data source) takes a key."""
    return (DATA_SOURCES if data else RESOURCES).get(resource_type, ())


def key_like_name(name: str) -> bool:
    """Whether an attribute, variable, output or JSON key *name* says it holds a KMS key.

    ``kms_key_id``, ``KMSMasterKeyID``, ``AwsKmsKey``, ``cmk_arn``, ``scratch_key``, ``target_key_id`` do;
    ``key`` alone (an S3 object key), ``hash_key``, ``api_key_id``, ``principal_id`` or ``trace`` do not.
    """
    parts = [part.lower() for part in _NAME_PARTS.findall(name)]
    if not parts:
        return False
    if "kms" in parts or "cmk" in parts or any(part.startswith("kms") for part in parts):
        return True
    if len(parts) < 2 or _OTHER_KEYS.intersection(parts[:-1]):
        return False
    return any(tuple(parts[-len(ending) :]) == ending for ending in _KEY_ENDINGS)


def takes_key(block_kind: str, block_type: str, path: tuple[str, ...], names: tuple[str, ...] = ()) -> bool:
    """Whether a bare key ID at ``path`` inside a block would be a key (and not just some ID).

    ``block_kind`` is ``resource``, ``data``, ``module``, ``provider``, ``terraform``, ``variable``, ``output``,
    ``locals`` or ``tfvars``; ``names`` are the block's labels or, for variables, locals and tfvars, the name
    that carries the value (``variable "kms_key_arn" { default = ... }``).
    """
    if _NOT_KEY_CONTAINERS.intersection(path):
        return False
    if block_kind in _VALUE_ATTRIBUTE and path[:1] != (_VALUE_ATTRIBUTE[block_kind],):
        return bool(path) and key_like_name(path[-1])  # a description or validation, not the value
    dotted = ".".join(path)
    if block_kind in ("resource", "data"):
        if (block_type, dotted) in DEFINITIONS:
            return False
        if dotted in catalogued_paths(block_type, data=block_kind == "data"):
            return True
        # Other clouds name their keys by UUID too (an Alibaba Cloud KMS key ID): not an AWS KMS key.
        return block_type.startswith(_AWS_PROVIDERS) and bool(path) and key_like_name(path[-1])
    return any(key_like_name(name) for name in (*names, *path))
