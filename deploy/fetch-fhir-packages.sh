#!/usr/bin/env bash
# Fetches the FHIR packages pinned in deploy/fhir-packages.lock with `npm pack`, verifies each tarball's
# sha512 integrity itself, and unpacks it into .fhir-packages/<name>-<version>/.
# Idempotent; works offline once the tarballs are cached in .fhir-packages/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lock="$root/deploy/fhir-packages.lock"
dest="${FHIRGW_PACKAGE_DIR:-$root/.fhir-packages}"
mkdir -p "$dest"

integrity_of() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

while read -r name version integrity; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  dir="$dest/$name-$version"
  tarball="$dest/$name-$version.tgz"
  stamp="$dir/.integrity"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$integrity" ]]; then
    echo "fetch: $name@$version up to date"
    continue
  fi
  if [[ -d "$dir/package" && -f "$tarball" && "$(integrity_of "$tarball")" == "$integrity" ]]; then
    # Unpacked earlier by hand or an older script: adopt it instead of replacing a folder in use.
    echo "$integrity" > "$stamp"
    echo "fetch: $name@$version verified"
    continue
  fi
  if [[ ! -f "$tarball" || "$(integrity_of "$tarball")" != "$integrity" ]]; then
    echo "fetch: downloading $name@$version"
    rm -f "$tarball"
    if ! (cd "$dest" && npm pack --loglevel=error "$name@$version" >/dev/null); then
      echo "fetch: npm pack $name@$version failed (network or registry access?)" >&2
      exit 1
    fi
  fi
  actual="$(integrity_of "$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    echo "fetch: integrity mismatch for $name@$version" >&2
    echo "  expected $integrity" >&2
    echo "  actual   $actual" >&2
    rm -f "$tarball"
    exit 1
  fi
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  tar -xzf "$tarball" -C "$dir.tmp"
  echo "$integrity" > "$dir.tmp/.integrity"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  echo "fetch: $name@$version unpacked into $dir"
done < "$lock"
