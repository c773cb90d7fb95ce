"""Web template: the console's files in a private bucket only CloudFront reads (origin access control),
HTTPS with security headers and a CSP, access logs; the API's and the buckets' CORS and Cognito's
hosted UI set for the console's origin."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from tests.infra.conftest import Synthesized, flatten, synthesize
from voiceclone.local.static_site import content_security_policy as local_csp

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/console"


@pytest.fixture(scope="module")
def web(platform: Synthesized) -> Template:
    return Template.from_stack(platform.platform.web)


@pytest.fixture(scope="module")
def restricted() -> Synthesized:
    """Browser origins restricted and the console on its own domain."""
    return synthesize({"cors_allowed_origins": "https://app.example.com", "web_domain_name": "console.example.com",
                       "web_certificate_arn": CERTIFICATE})


def only(template: Template, resource_type: str) -> dict:
    (resource,) = template.find_resources(resource_type).values()
    return resource["Properties"]


def distribution_config(template: Template) -> dict:
    return only(template, "AWS::CloudFront::Distribution")["DistributionConfig"]


def site_bucket_id(template: Template) -> str:
    (logical_id,) = [key for key in template.find_resources("AWS::S3::Bucket") if key.startswith("Site")]
    return logical_id


def test_the_site_bucket_is_private_encrypted_and_not_a_website(web: Template) -> None:
    bucket = web.find_resources("AWS::S3::Bucket")[site_bucket_id(web)]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}  # a bad upload can be rolled back
    assert "WebsiteConfiguration" not in bucket
    assert bucket["LoggingConfiguration"]["DestinationBucketName"]


def test_only_this_distribution_reads_the_bucket_through_origin_access_control(web: Template) -> None:
    oac = only(web, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3" and oac["SigningBehavior"] == "always"
    (origin,) = distribution_config(web)["Origins"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""} and "OriginAccessControlId" in origin
    site = site_bucket_id(web)
    statements = [statement for policy in web.find_resources("AWS::S3::BucketPolicy").values()
                  if policy["Properties"]["Bucket"] == {"Ref": site}
                  for statement in policy["Properties"]["PolicyDocument"]["Statement"]]
    reads = [s for s in statements if s["Effect"] == "Allow"]
    assert len(reads) == 1 and reads[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reads[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in reads[0]["Condition"]["StringEquals"]  # this distribution, no other
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)


def test_viewers_get_https_the_index_and_logs_are_kept(web: Template) -> None:
    config = distribution_config(web)
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["Logging"]["Bucket"] and config["Logging"]["Prefix"] == "cloudfront/"
    assert "ResponseHeadersPolicyId" in behavior


def test_security_headers_carry_a_csp_that_admits_only_the_platform(web: Template) -> None:
    headers = only(web, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = flatten(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = dict(part.split(" ", 1) for part in csp.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    for host in ("execute-api.", ".s3.amazonaws.com", ".amazoncognito.com"):
        assert host in directives["connect-src"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    # the same directives as the local gateway serves (voiceclone.local.static_site)
    assert set(directives) == {part.split(" ", 1)[0] for part in local_csp(["http://127.0.0.1:8001"]).split("; ")}
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 86400


def test_its_own_domain_is_served_with_tls_1_2_or_newer(restricted: Synthesized) -> None:
    web = Template.from_stack(restricted.platform.web)
    config = distribution_config(web)
    assert config["Aliases"] == ["console.example.com"]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == CERTIFICATE
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"


def test_the_api_and_the_buckets_admit_the_consoles_origin(restricted: Synthesized) -> None:
    api = only(restricted.template("api"), "AWS::ApiGatewayV2::Api")
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://app.example.com", "https://console.example.com"]
    for name, bucket in restricted.resources("storage", "AWS::S3::Bucket").items():
        if name.startswith(("Samples", "Outputs")):
            (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
            assert rule["AllowedOrigins"] == ["https://app.example.com", "https://console.example.com"], name


def test_cognito_signs_the_console_in_with_the_authorization_code_flow(restricted: Synthesized) -> None:
    auth = restricted.template("auth")
    client = only(auth, "AWS::Cognito::UserPoolClient")
    assert client["AllowedOAuthFlows"] == ["code"]  # PKCE from the browser; no implicit flow
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["CallbackURLs"] == ["https://console.example.com/"]
    assert client["LogoutURLs"] == ["https://console.example.com/"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert "GenerateSecret" not in client or client["GenerateSecret"] is False
    assert only(auth, "AWS::Cognito::UserPoolDomain")["Domain"]


def test_the_default_configuration_keeps_its_open_cors_and_points_cognito_at_cloudfront(platform: Synthesized) -> None:
    api = only(platform.template("api"), "AWS::ApiGatewayV2::Api")
    assert api["CorsConfiguration"]["AllowOrigins"] == ["*"]  # "*" already admits the console
    client = only(platform.template("auth"), "AWS::Cognito::UserPoolClient")
    assert "DomainName" in flatten(client["CallbackURLs"])  # the distribution's *.cloudfront.net name
