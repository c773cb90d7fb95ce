"""Web: the web console (web/) in a private S3 bucket behind CloudFront (origin access control), HTTPS only,
with a response headers policy (CSP, HSTS, nosniff, frame denial, no referrer) and access logs.

The stack depends on no other: the API's CORS, the buckets' CORS and Cognito's callback URL take its
`origin`, and the CSP names the other services by their AWS host patterns (a reference back would make
a cycle). `scripts/deploy-web.sh` uploads web/ and writes web/config.json from the stacks' outputs.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import checkov_skip, nag
from infra.config import InfraConfig
from infra.constructs.secure_bucket import ABORT_INCOMPLETE_UPLOADS, SecureBucket, expire_prefix

HSTS_MAX_AGE = Duration.days(730)


def content_security_policy(region: str, api_domain: str | None) -> str:
    """What the console may reach: itself, the API, S3 (presigned uploads and results) and Cognito."""
    others = [
        f"https://*.execute-api.{region}.amazonaws.com",
        "https://*.s3.amazonaws.com",  # presigned URLs, virtual-hosted style (global and regional)
        f"https://*.s3.{region}.amazonaws.com",
        f"https://s3.{region}.amazonaws.com",  # and path style
        f"https://*.auth.{region}.amazoncognito.com",
    ]
    if api_domain:
        others.insert(0, f"https://{api_domain}")
    joined = " ".join(others)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src 'self' {joined}",
        f"media-src 'self' blob: {joined}",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ])


class WebStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: InfraConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        removal = config.removal_policy
        self.logs = self._log_bucket(config)
        self.site = SecureBucket(self, "Site", access_logs=self.logs, versioned=True, removal_policy=removal,
                                 lifecycle_rules=[s3.LifecycleRule(id="expire-noncurrent-versions",
                                                                   noncurrent_version_expiration=Duration.days(30))])
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="voiceclone console: CSP, HSTS, nosniff, no framing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(self.region, config.domain_name), override=True),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True),
            ),
        )
        certificate = (acm.Certificate.from_certificate_arn(self, "Certificate", config.web_certificate_arn)
                       if config.web_certificate_arn else None)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="voiceclone web console",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.site),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
            ),
            domain_names=[config.web_domain_name] if config.web_domain_name else None,
            certificate=certificate,
            # Only with a certificate of its own: the default *.cloudfront.net one keeps CloudFront's policy.
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
        )
        host = config.web_domain_name or self.distribution.distribution_domain_name
        self.origin = f"https://{host}"
        self._acknowledge(certificate is None)
        CfnOutput(self, "ConsoleUrl", value=f"{self.origin}/")
        CfnOutput(self, "SiteBucketName", value=self.site.bucket_name)
        CfnOutput(self, "DistributionId", value=self.distribution.distribution_id)

    def _log_bucket(self, config: InfraConfig) -> s3.Bucket:
        """CloudFront's standard logs are written with an ACL, so this one bucket keeps ACLs (object writer)."""
        logs = s3.Bucket(
            self,
            "Logs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[ABORT_INCOMPLETE_UPLOADS, expire_prefix("", config.access_log_retention_days)],
            removal_policy=config.removal_policy,
            auto_delete_objects=config.destroy_data_on_delete,
        )
        reason = "This bucket receives the console's CloudFront and S3 access logs; logging it into itself would loop."
        nag.acknowledge(logs, reason, "AwsSolutions-S1")
        checkov_skip.skip(logs, reason, "CKV_AWS_18")
        checkov_skip.skip(logs, "CloudFront and S3 log delivery write each log object once under a unique key; "
                                "nothing overwrites one before its lifecycle expiry.", "CKV_AWS_21")
        return logs

    def _acknowledge(self, default_certificate: bool) -> None:
        static_only = ("The console is static files (HTML, JS, CSS) anyone may fetch; every call it makes goes to "
                       "the HTTP API, which authenticates and throttles each request itself.")
        nag.acknowledge(self.distribution, f"{static_only} A WAF web ACL (billed per rule and request) "
                        "is the operator's choice for the API's own protection.", "AwsSolutions-CFR2")
        checkov_skip.skip(self.distribution, f"{static_only} WAF is left to the operator.", "CKV_AWS_68")
        nag.acknowledge(self.distribution, "A public product: listeners may be in any country.", "AwsSolutions-CFR1")
        checkov_skip.skip(self.distribution, "A public product whose listeners may be in any country.", "CKV_AWS_374")
        checkov_skip.skip(self.distribution, "One S3 origin in one region holding static files; a failover "
                          "origin would need a replicated bucket for a site CloudFront already caches.", "CKV_AWS_310")
        if default_certificate:
            reason = ("Without web_domain_name/web_certificate_arn the distribution uses CloudFront's default "
                      "*.cloudfront.net certificate, which CloudFront serves with its own TLS policy; set both "
                      "to serve TLS 1.2 or newer only (TLSv1.2_2021).")
            nag.acknowledge(self.distribution, reason, "AwsSolutions-CFR4")
            checkov_skip.skip(self.distribution, reason, "CKV_AWS_174")
