#!/usr/bin/env bash
# Build the local image `netkit/busybox:local` from Debian's busybox-static package
# (devenv/docker_image.py); does nothing when the image already exists.
#   scripts/docker-image.sh [IMAGE]
exec "$(dirname "$0")/devenv" docker-image "$@"
