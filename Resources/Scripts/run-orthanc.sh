#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to Orthanc with the plugin:
# installs the packages, builds the plugin, and runs Debian's Orthanc in the
# foreground on http://localhost:8042 with the embedded SQLite database
# stored in ./orthanc-data (kept between runs). Ctrl-C stops it.
#
# Environment: ORTHANC_HTTP_PORT (8042), ORTHANC_DICOM_PORT (4242),
#              ORTHANC_DATA (./orthanc-data), ORTHANC_CONFIG (generated if unset)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bash "$ROOT/Resources/Scripts/install-dependencies.sh" build
bash "$ROOT/Resources/Scripts/build.sh"

HTTP_PORT="${ORTHANC_HTTP_PORT:-8042}"
DICOM_PORT="${ORTHANC_DICOM_PORT:-4242}"
DATA="${ORTHANC_DATA:-$ROOT/orthanc-data}"
mkdir -p "$DATA"

# Debian's package starts its own Orthanc service on port 8042 where systemd runs
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet orthanc 2>/dev/null; then
  echo "Stopping Debian's orthanc service, which holds port 8042 (start it again with: systemctl start orthanc)"
  if [ "$(id -u)" -ne 0 ]; then sudo systemctl stop orthanc; else systemctl stop orthanc; fi
fi

CONFIG="${ORTHANC_CONFIG:-$DATA/orthanc.json}"
if [ -z "${ORTHANC_CONFIG:-}" ]; then
  sed -e "s#@DATA@#$DATA#g" \
      -e "s#@PLUGIN@#$ROOT/build/libOrthancNiftiToDicom.so#g" \
      -e "s#@HTTP_PORT@#$HTTP_PORT#g" \
      -e "s#@DICOM_PORT@#$DICOM_PORT#g" \
      "$ROOT/Resources/Configuration/orthanc-local.json.in" > "$CONFIG"
fi

echo "Starting Orthanc with the NIfTI-to-DICOM plugin on http://localhost:$HTTP_PORT (configuration: $CONFIG)"
exec /usr/sbin/Orthanc "$CONFIG"
