"""Lambda encrypts environment variables with KMSKeyArn, which ListFunctions returns."""

from __future__ import annotations

from byok.drift.collectors import Listed, register


@register
class LambdaFunctions(Listed):
    name = "lambda"
    service = "lambda"
    resource_type = "AWS::Lambda::Function"
    operation, result_key, id_field, key_field = "list_functions", "Functions", "FunctionArn", "KMSKeyArn"
