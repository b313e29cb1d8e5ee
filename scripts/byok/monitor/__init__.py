"""The nightly drift monitor as AWS Lambda functions: the live drift check, Security Hub, SNS and AWS Config.

Deployed by ``modules/drift-monitor`` from the zip ``package`` builds. Only boto3 is available in the
Lambda runtime, so nothing here imports the CLI's dependencies (click, rich, jinja2, hcl2, PyKCS11).
"""
