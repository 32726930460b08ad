#!/usr/bin/env bash
# Checks that every C++ source follows the root .clang-format; `--fix` rewrites the files instead.
# Generated files are left as their generator writes them (fhir_models/README.md: regenerate, do not edit).
# The output of clang-format differs between major versions: the style is checked with Debian 12's
# clang-format 14 (deploy/setup.sh installs it); with another version the check is skipped (exit 77).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fix=0
case "${1:-}" in
  --fix) fix=1 ;;
  "") ;;
  *) echo "usage: tests/format/check-format.sh [--fix]" >&2; exit 2 ;;
esac

formatter="$(command -v clang-format-14 || command -v clang-format || true)"
if [[ -z "$formatter" ]]; then
  echo "check-format: clang-format not found (deploy/setup.sh installs it)" >&2
  exit 77
fi
version="$("$formatter" --version | sed -n 's/.*clang-format version \([0-9]*\).*/\1/p')"
if [[ "$version" != 14 ]]; then
  echo "check-format: $formatter is version $version, the style is pinned to 14: skipped" >&2
  exit 77
fi

generated=(fhir_models/include/fhir/model/r4_views.h)
cd "$root"
mapfile -t files < <(find fhir_models gateway mappings tests -type f \( -name '*.cpp' -o -name '*.h' \) \
  -not -path '*/build/*' -not -path '*/build-*/*' | sort)  # a build tree inside a source folder holds no sources
sources=()
for f in "${files[@]}"; do
  [[ " ${generated[*]} " == *" $f "* ]] || sources+=("$f")
done

if ((fix)); then
  "$formatter" -i "${sources[@]}"
  echo "check-format: formatted ${#sources[@]} files"
  exit 0
fi
if ! report="$("$formatter" --dry-run --Werror "${sources[@]}" 2>&1)"; then
  head -n 40 <<<"$report" >&2
  echo "check-format: $(grep -c 'clang-format-violations' <<<"$report") places in" \
    "$(grep -o '^[^:]*:[0-9]*:[0-9]*: error' <<<"$report" | cut -d: -f1 | sort -u | wc -l) files differ from" \
    ".clang-format; run tests/format/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#sources[@]} files follow .clang-format"
