#!/usr/bin/env bash
# Fetch real speech for tests and benchmarks from Debian packages into .cache/speech/ (not committed).
#   pocketsphinx-testdata            LibriVox utterances with transcripts (English, 16 kHz, public domain)
#   fillets-ng-data-cs + -data       Czech dialogue by several voice actors, transcripts in dialogs_cs.lua (GPL-2)
# Idempotent and quiet when already cached; works as root or as a normal user.
# Override the folder with VOICECLONE_SPEECH_CACHE.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${VOICECLONE_SPEECH_CACHE:-$repo_root/.cache/speech}"
packages=(pocketsphinx-testdata fillets-ng-data-cs fillets-ng-data)
stamp="$cache_dir/.complete"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${packages[*]}" ]]; then
    exit 0
fi

cache_parent="$(dirname "$cache_dir")"
mkdir -p "$cache_parent"
work_dir="$(mktemp -d)"
# Extract next to the cache so the final rename is atomic (same filesystem).
staging="$(mktemp -d "$cache_parent/.speech-staging.XXXXXX")"
trap 'rm -rf "$work_dir" "$staging"' EXIT
# apt drops to the _apt user for downloads when run as root: let it write here.
chmod 0777 "$work_dir"

download() {
    (cd "$work_dir" && apt-get download -qq "${packages[@]}" >/dev/null)
}

echo "fetch_test_speech: downloading ${packages[*]} into $cache_dir" >&2
if ! download 2>"$work_dir/apt.err"; then
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -qq >/dev/null
        download
    else
        cat "$work_dir/apt.err" >&2
        echo "fetch_test_speech: apt-get download failed; run 'sudo apt-get update' and retry" >&2
        exit 1
    fi
fi

for deb in "$work_dir"/*.deb; do
    dpkg -x "$deb" "$staging"
done

# Replace the cache in one step so an interrupted run never leaves a half-filled cache behind.
rm -rf "$cache_dir"
mv "$staging" "$cache_dir"
chmod -R u+rwX,go+rX "$cache_dir"
echo "${packages[*]}" >"$stamp"
echo "fetch_test_speech: done ($(du -sh "$cache_dir" | cut -f1))" >&2
