# voiceclone: `make run` starts the platform locally, `make test` runs every test.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: install run test typecheck bench synth lint speech

$(STAMP): pyproject.toml scripts/install.sh
	scripts/install.sh
	touch $(STAMP)

install: $(STAMP)

speech: install
	scripts/fetch_test_speech.sh

run: install speech
	$(VENV)/bin/voiceclone run

# mypy over src/ and functions/ (settings in pyproject.toml [tool.mypy]); incremental, so a re-run takes seconds.
typecheck: install
	$(VENV)/bin/mypy

test: install speech typecheck
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install speech
	$(PY) -m bench.run_all

synth: install
	scripts/cdk.sh synth

lint: install
	$(VENV)/bin/ruff check src functions tests bench infra
