#!/usr/bin/env bash
# Fetch real speech for tests and benchmarks from Debian packages into .cache/speech/ (not committed).
#   pocketsphinx-testdata            LibriVox utterances with transcripts (English, 16 kHz, public domain)
#   fillets-ng-data-cs + -data       Czech dialogue by several voice actors, transcripts in dialogs_cs.lua (GPL-2)
#   fillets-ng-data-nl               Dutch dialogue by other voice actors, transcripts in dialogs_nl.lua (GPL-2)
#   klettres-data                    letters and syllables read by native speakers of ~20 languages (GPL-2+)
# About 185 MB to download. Idempotent and quiet when already cached; a cache from an older package
# list only fetches the packages it lacks. Works as root or as a normal user.
# Override the folder with VOICECLONE_SPEECH_CACHE.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${VOICECLONE_SPEECH_CACHE:-$repo_root/.cache/speech}"
packages=(pocketsphinx-testdata fillets-ng-data-cs fillets-ng-data fillets-ng-data-nl klettres-data)
stamp="$cache_dir/.complete"

if [[ -f "$stamp" && "$(cat "$stamp")" == "${packages[*]}" ]]; then
    exit 0
fi

# Packages already unpacked: those the stamp of an earlier run lists.
present=" $(cat "$stamp" 2>/dev/null || true) "
missing=()
for package in "${packages[@]}"; do
    [[ "$present" == *" $package "* ]] || missing+=("$package")
done
if [[ ${#missing[@]} == 0 ]]; then
    echo "${packages[*]}" >"$stamp"
    exit 0
fi

cache_parent="$(dirname "$cache_dir")"
mkdir -p "$cache_parent"
work_dir="$(mktemp -d)"
# Extract next to the cache so the final moves stay on one filesystem.
staging="$(mktemp -d "$cache_parent/.speech-staging.XXXXXX")"
trap 'rm -rf "$work_dir" "$staging"' EXIT
# apt drops to the _apt user for downloads when run as root: let it write here.
chmod 0777 "$work_dir"

download() {
    (cd "$work_dir" && apt-get download -qq "${missing[@]}" >/dev/null)
}

echo "fetch_test_speech: downloading ${missing[*]} into $cache_dir" >&2
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
chmod -R u+rwX,go+rX "$staging"

if [[ ! -d "$cache_dir" ]]; then
    mv "$staging" "$cache_dir"  # first fetch: one rename, never a half-filled cache
else
    # add the new packages' files next to the ones readers may be using; the stamp comes last
    cp -a "$staging"/. "$cache_dir"/
fi
echo "${packages[*]}" >"$stamp"
echo "fetch_test_speech: done ($(du -sh "$cache_dir" | cut -f1))" >&2
