#!/usr/bin/env bash
# Proves the quick start on a fresh Debian 12: debootstraps a minimal bookworm chroot, copies the committed
# tree (git archive HEAD) into it and runs deploy/test.sh there (which installs, fetches, builds, tests).
# Needs root and network. usage: deploy/check-fresh-debian.sh [CHROOT_DIR=/tmp/fhirgw-bookworm] [test.sh args]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chroot_dir="${1:-/tmp/fhirgw-bookworm}"
shift || true
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

command -v debootstrap >/dev/null || { apt-get update -q && apt-get install -y -q debootstrap; }
if [[ ! -x "$chroot_dir/usr/bin/apt-get" ]]; then
  debootstrap --variant=minbase bookworm "$chroot_dir" "$mirror"
fi

cleanup() {
  for m in dev sys proc; do umount -R -l "$chroot_dir/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
mount -t proc proc "$chroot_dir/proc"
mount --rbind /sys "$chroot_dir/sys" && mount --make-rslave "$chroot_dir/sys"
mount --rbind /dev "$chroot_dir/dev" && mount --make-rslave "$chroot_dir/dev"
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
# Behind a TLS-inspecting proxy the host trusts extra CAs; the chroot needs them for npm (apt uses http).
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$chroot_dir/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$chroot_dir/usr/local/share/ca-certificates/"
  [[ -x "$chroot_dir/usr/sbin/update-ca-certificates" ]] && chroot "$chroot_dir" update-ca-certificates >/dev/null
fi

rm -rf "$chroot_dir/src/fhir-gateway"
mkdir -p "$chroot_dir/src/fhir-gateway"
git -C "$root" archive HEAD | tar -x -C "$chroot_dir/src/fhir-gateway"

echo "== deploy/test.sh $* in a fresh bookworm chroot ($(nproc) CPUs)"
start=$(date +%s)
chroot "$chroot_dir" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
  /bin/bash -c "cd /src/fhir-gateway && deploy/test.sh $*"
echo "== passed in $(( $(date +%s) - start )) s (install + fetch + clean build + tests)"
