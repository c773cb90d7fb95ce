"""Auth: who may call the API. A Cognito user pool and app client, or an existing OIDC issuer."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra import nag
from infra.config import InfraConfig


@dataclass(frozen=True)
class JwtTrust:
    """Whose tokens the HTTP API accepts: the issuer (`iss`) and the audience (`aud` or `client_id`)."""

    issuer: str
    audience: str


class AuthStack(Stack):
    """A Cognito user pool, an app client and the admin group; deployed only when no existing issuer is
    configured (jwt_issuer/jwt_audience context)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig, console_url: str | None = None,
                 **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            deletion_protection=not config.destroy_data_on_delete,
            removal_policy=RemovalPolicy.DESTROY if config.destroy_data_on_delete else RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.user_pool,
            "Self-service sign-up for a public product: TOTP MFA is offered (optional) rather than forced on "
            "every listener; operators who need it set MFA to required.",
            "AwsSolutions-COG2",
        )
        nag.acknowledge(
            self.user_pool,
            "Cognito threat protection (Plus feature plan) is billed per active user; the operator enables it "
            "when the user base warrants it (README.md, 'Deploy to AWS').",
            "AwsSolutions-COG3",
            "AwsSolutions-COG8",
        )
        self.client = self.user_pool.add_client(
            "ApiClient",
            # A public client (browser, CLI): it cannot keep a secret.
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            prevent_user_existence_errors=True,
            # The web console signs in through the hosted UI: authorization code with PKCE, no implicit flow.
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[console_url], logout_urls=[console_url],
            ) if console_url else None,
        )
        if console_url:
            prefix = config.cognito_domain_prefix or f"{config.app_name.lower()}-{self.account}"
            self.domain = self.user_pool.add_domain(
                "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix))
            CfnOutput(self, "HostedUiDomain", value=self.domain.base_url())
        cognito.CfnUserPoolGroup(
            self,
            "AdminGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=config.admin_group,
            description="Operators: may read platform statistics (cognito:groups claim).",
        )
        self.trust = JwtTrust(
            issuer=f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool.user_pool_id}",
            audience=self.client.user_pool_client_id,
        )
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.client.user_pool_client_id)
        CfnOutput(self, "JwtIssuer", value=self.trust.issuer)
