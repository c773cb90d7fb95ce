"""The secrets the operator creates before the first deploy (README.md, 'Deploy to AWS'); stacks only import them.

CloudFormation never holds their values: a redeploy can't overwrite a connection string.
"""

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import InfraConfig


def mongo_uri_secret(scope: Construct, config: InfraConfig) -> secretsmanager.ISecret:
    """The MongoDB Atlas connection string (a plain string secret)."""
    return secretsmanager.Secret.from_secret_name_v2(scope, "MongoUriSecret", config.mongo_secret_name)


def provider_keys_secret(scope: Construct, config: InfraConfig) -> secretsmanager.ISecret:
    """Remote speech providers' API keys (a JSON object: {"elevenlabs": "...", "openai": "...", ...})."""
    return secretsmanager.Secret.from_secret_name_v2(scope, "ProviderKeysSecret", config.provider_keys_secret_name)
