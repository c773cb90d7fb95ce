#!/usr/bin/env bash
# Installs everything `make run` and `make test` need into .venv (idempotent).
# On a fresh Debian machine run as root it also installs the Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js 20 + npm (for the CDK CLI) come with the machine; Debian's nodejs conflicts with them.
# chromium: the web console's browser tests (Playwright drives it; Playwright's own download is not used).
DEBIAN_PACKAGES=(espeak-ng flite libavutil57 libavcodec59 libavformat59 libavdevice59 libavfilter8
                 libswresample4 libswscale6 chromium)

install_debian_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "install.sh: missing Debian packages (run as root or install them): ${missing[*]}" >&2
  fi
}

# pip's own lines (what it downloads and installs), without the "already satisfied" list of a re-run.
pip_install() {
  .venv/bin/pip install --progress-bar off "$@" 2>&1 \
    | { grep -v -E '^(Requirement already satisfied|Using cached|  Using cached)' || true; } | sed 's/^/    /'
}

create_virtualenv() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  pip_install --upgrade pip wheel
}

# coqui-tts refuses to import without torchaudio; the only one on PyPI for torch 2.13 is CUDA-linked.
# Without deps and without its native libraries it imports as pure Python, which is all XTTS uses.
install_stripped_torchaudio() {
  pip_install --no-deps torchaudio==2.11.1
  local site
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  rm -f "$site"/torchaudio/lib/*.so
}

# checkov (make synth, tests/infra) in a virtualenv of its own: its pinned dependencies (boto3, networkx,
# packaging...) clash with the project's. Versions pinned in infra/checkov-requirements.txt.
install_checkov() {
  local venv=.venv/checkov requirements=infra/checkov-requirements.txt
  [ "$venv/.installed" -nt "$requirements" ] && return
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$requirements"
  touch "$venv/.installed"
}

# `scripts/install.sh checkov`: only checkov (scripts/cdk.sh calls it before each synth).
if [ "${1:-}" = "checkov" ]; then
  install_checkov
  exit 0
fi
# A line per step and what it took; the total time and disk at the end.
STEPS=6
STEP=0
step() {
  local what=$1 started=$SECONDS
  shift
  STEP=$((STEP + 1))
  echo "install.sh: [$STEP/$STEPS] $what"
  "$@"
  echo "install.sh: [$STEP/$STEPS] done in $((SECONDS - started)) s"
}

step "Debian packages (espeak-ng, flite, FFmpeg 5.1 libraries)" install_debian_packages
step "virtualenv .venv, pip and wheel" create_virtualenv
# The CPU wheel on local disk; installed first so nothing pulls a CUDA build.
step "torch 2.13.0 (CPU)" pip_install torch==2.13.0
step "voiceclone and its extras (pyproject.toml [dev])" pip_install -e '.[dev]'
step "torchaudio 2.11.1 without its native libraries" install_stripped_torchaudio
step "checkov in .venv/checkov (make synth)" install_checkov
echo "install.sh: done in $((SECONDS / 60)) min $((SECONDS % 60)) s; .venv takes $(du -sh .venv | cut -f1) of disk" \
  "($(df -h --output=avail . | tail -1 | tr -d ' ') left)"
