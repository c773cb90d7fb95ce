"""`voiceclone token` prints a JWT that the local key verifies, with the asked groups and lifetime."""

import time

import pytest

from voiceclone import auth, cli
from voiceclone.config import Settings


def test_token_command_prints_a_verifiable_token(tmp_path, capsys):
    assert cli.main(["token", "--user", "alice", "--group", "admin", "--group", "beta", "--ttl", "120",
                     "--data-dir", str(tmp_path)]) == 0
    token = capsys.readouterr().out.strip()
    settings = Settings()
    key = auth.LocalSigningKey.load_or_create(tmp_path, settings.jwt_issuer, settings.jwt_audience)
    claims = key.verifier().verify(token)
    assert claims["sub"] == "alice"
    assert claims["cognito:groups"] == ["admin", "beta"]
    assert 115 <= claims["exp"] - time.time() <= 121


def test_token_command_needs_a_user(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["token", "--data-dir", str(tmp_path)])


def test_token_command_rejects_a_non_positive_ttl(tmp_path):
    with pytest.raises(SystemExit, match="--ttl"):
        cli.main(["token", "--user", "alice", "--ttl", "0", "--data-dir", str(tmp_path)])


def test_every_command_module_is_registered():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"run", "token"} <= set(commands)
