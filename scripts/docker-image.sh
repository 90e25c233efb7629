#!/usr/bin/env bash
# Build the local image `netkit/busybox:local` from Debian's busybox-static package.
# There is no image registry to pull from: the image is a one-binary root filesystem
# imported with `docker import`. Does nothing when the image already exists.
set -euo pipefail
image="${1:-netkit/busybox:local}"

if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download busybox-static >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get download busybox-static >/dev/null
fi
dpkg-deb -x busybox-static_*.deb pkg
mkdir -p rootfs/bin rootfs/etc rootfs/tmp rootfs/www
cp pkg/bin/busybox rootfs/bin/busybox
for applet in sh httpd wget nc nslookup sleep ping cat echo ls ip hostname true; do
  ln -s busybox "rootfs/bin/$applet"
done
echo "root:x:0:0:root:/:/bin/sh" > rootfs/etc/passwd
echo "netkit" > rootfs/www/index.html
tar -C rootfs -c . | docker import \
  -c 'ENV PATH=/bin' -c 'WORKDIR /www' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "built $image" >&2
