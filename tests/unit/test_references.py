"""Terraform-state references to a key: found at any depth, the key's own resources ignored."""

from byok.references import state_references

KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:eu-central-1:111122223333:key/{KEY}"


def test_nested_attributes_in_child_modules_count_and_own_resources_do_not():
    state = {
        "values": {
            "root_module": {
                "resources": [
                    {"address": "aws_kms_alias.a", "type": "aws_kms_alias", "values": {"target_key_id": KEY}}
                ],
                "child_modules": [
                    {
                        "resources": [
                            {
                                "address": "module.b.aws_s3_bucket.this",
                                "type": "aws_s3_bucket",
                                "values": {
                                    "server_side_encryption_configuration": [
                                        {
                                            "rule": [
                                                {
                                                    "apply_server_side_encryption_by_default": [
                                                        {"kms_master_key_id": ARN}
                                                    ]
                                                }
                                            ]
                                        }
                                    ]
                                },
                            },
                            {"address": "module.b.aws_sqs_queue.q", "type": "aws_sqs_queue", "values": {"kms": None}},
                        ],
                        "child_modules": [
                            {
                                "resources": [
                                    {
                                        "address": "module.c.aws_ebs_volume.v",
                                        "type": "aws_ebs_volume",
                                        "values": {"kms_key_id": ARN},
                                    }
                                ]
                            }
                        ],
                    }
                ],
            }
        }
    }
    assert state_references(state, KEY) == ["module.b.aws_s3_bucket.this", "module.c.aws_ebs_volume.v"]
    assert state_references(state, "ffffffff-0000-0000-0000-000000000000") == []
    assert state_references({}, KEY) == []
