#!/usr/bin/env bash
# Installs, from Debian 12's packages, what the plugin needs.
#   install-dependencies.sh build   compilers, SDK, libraries, and Orthanc itself
#   install-dependencies.sh test    the above plus the validators and tools the tests use
#   install-dependencies.sh fuzz    the build packages plus clang (libFuzzer, sanitizers)
# Packages already present are not reinstalled, and apt-get update runs only
# when something is missing.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake pkg-config
  orthanc orthanc-dev liborthancframework-dev
  libdcmtk-dev libniftiio-dev libnifti2-dev libjsoncpp-dev
  libboost-filesystem-dev libboost-thread-dev libboost-regex-dev libboost-locale-dev libboost-iostreams-dev
  libpugixml-dev uuid-dev zlib1g-dev libpng-dev libjpeg-dev libssl-dev
  icc-profiles-free
  curl ca-certificates
)
TEST_PACKAGES=(
  googletest libgtest-dev
  orthanc-neuro dcm2niix dicom3tools dcmtk plastimatch
  python3 python3-pytest python3-numpy python3-nibabel python3-pydicom
  chromium
  dpkg-dev debhelper lintian
  postgresql orthanc-postgresql nginx python3-yaml docker-compose
)

FUZZ_PACKAGES=(
  clang python3-nibabel python3-numpy
)

case "${1:-build}" in
  build) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
  test)  PACKAGES=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  fuzz)  PACKAGES=("${BUILD_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}") ;;
  *)     echo "usage: $0 [build|test|fuzz]" >&2; exit 2 ;;
esac

MISSING=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    MISSING+=("$p")
  fi
done

if [ ${#MISSING[@]} -eq 0 ]; then
  echo "All ${#PACKAGES[@]} Debian packages are installed."
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "Installing: ${MISSING[*]}"
$SUDO apt-get update -qq
# Installing "orthanc" on a machine with systemd starts Debian's own service
# on port 8042; run-orthanc.sh stops it before starting ours. Likewise
# "postgresql" and "nginx" (port 80): the tests start their own on free ports.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
