"""RDS stores the resolved key ARN at creation: instances, clusters and both kinds of snapshot."""

from __future__ import annotations

from byok.drift.collectors import Listed, register


@register
class RdsInstances(Listed):
    name = "rds-instances"
    service = "rds"
    resource_type = "AWS::RDS::DBInstance"
    operation, result_key, id_field, key_field = "describe_db_instances", "DBInstances", "DBInstanceArn", "KmsKeyId"


@register
class RdsClusters(Listed):
    name = "rds-clusters"
    service = "rds"
    resource_type = "AWS::RDS::DBCluster"
    operation, result_key, id_field, key_field = "describe_db_clusters", "DBClusters", "DBClusterArn", "KmsKeyId"


@register
class RdsSnapshots(Listed):
    name = "rds-snapshots"
    service = "rds"
    resource_type = "AWS::RDS::DBSnapshot"
    operation, result_key, id_field, key_field = "describe_db_snapshots", "DBSnapshots", "DBSnapshotArn", "KmsKeyId"


@register
class RdsClusterSnapshots(Listed):
    name = "rds-cluster-snapshots"
    service = "rds"
    resource_type = "AWS::RDS::DBClusterSnapshot"
    operation, result_key = "describe_db_cluster_snapshots", "DBClusterSnapshots"
    id_field, key_field = "DBClusterSnapshotArn", "KmsKeyId"
