"""The regions of the multi-Region key the integration tests declare (fixture ``multi_region``)."""

PRIMARY = "eu-central-1"
REPLICAS = ("eu-west-1", "us-east-1")
