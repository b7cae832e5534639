#!/usr/bin/env bash
# Runs the real-browser tests of the NIfTI import UI (Orthanc Explorer dialog
# and /nifti/app/): Debian's Chromium, headless, driven by playwright-core
# (from npm, into ./node_modules; it never downloads a browser), against a
# throw-away Debian Orthanc with the plugin.
#
#   bash UnitTests/Browser/run.sh              # all tests
#   bash UnitTests/Browser/run.sh --test-name-pattern=Cancel
#
# Installs what is missing: chromium, orthanc, python3-pydicom (the parent
# study sample) and, only when node or npm is not on the PATH, nodejs and npm,
# all with apt-get; then the npm packages of package-lock.json. Builds the
# plugin into <repo>/build if it is not there (or set NIFTI_PLUGIN_PATH).
# Exits non-zero when a test fails. Screenshots: UnitTests/Browser/screenshots/.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${HERE}/../.." && pwd)"
PARENT_DICOM=/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo > /dev/null; then
  SUDO="sudo"
fi

APT_UPDATED=0
apt_install() {
  if [ "${APT_UPDATED}" -eq 0 ]; then
    ${SUDO} apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive ${SUDO} apt-get install -y -qq "$@"
}

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/sbin/Orthanc ] || packages+=(orthanc)
[ -f "${PARENT_DICOM}" ] || packages+=(python3-pydicom)
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  packages+=(nodejs npm)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "Installing ${packages[*]} with apt-get"
  apt_install "${packages[@]}"
fi

PLUGIN="${NIFTI_PLUGIN_PATH:-${REPO_ROOT}/build/libOrthancNiftiToDicom.so}"
if [ ! -f "${PLUGIN}" ]; then
  echo "Building the plugin into ${REPO_ROOT}/build"
  cmake -S "${REPO_ROOT}" -B "${REPO_ROOT}/build"
  cmake --build "${REPO_ROOT}/build" -j"$(nproc)" --target OrthancNiftiToDicom
fi

cd "${HERE}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

echo "Browser tests: $(/usr/bin/chromium --version 2>/dev/null | head -n 1), node $(node --version)," \
     "playwright-core $(node -p 'require("playwright-core/package.json").version')"
exec node --test "$@" tests/browser.test.js
