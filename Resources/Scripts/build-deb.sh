#!/usr/bin/env bash
# Builds the Debian package orthanc-nifti-to-dicom from this tree with
# dpkg-buildpackage (binary only, unsigned) and prints the path of the .deb.
#   build-deb.sh [OUTPUT_DIR]     default: <repo>/build/deb
# The sources are copied into OUTPUT_DIR/source first: dpkg-buildpackage
# builds inside the tree and writes its results next to it, and neither
# belongs in the checkout. Environment: DEB_JOBS (parallel jobs, default: nproc).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/build/deb}" && cd "${1:-$ROOT/build/deb}" && pwd)"
JOBS="${DEB_JOBS:-$(nproc)}"

for tool in dpkg-buildpackage dh; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing: apt-get install dpkg-dev debhelper" \
         "(or 'bash Resources/Scripts/install-dependencies.sh test')" >&2
    exit 1
  }
done

# The package version (debian/changelog) and the plugin's (CMakeLists.txt)
# are the same number: a package must not install another version than it says
CMAKE_VERSION="$(sed -n 's/^project(OrthancNiftiToDicom VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")"
DEB_VERSION="$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)"
if [ "$CMAKE_VERSION" != "$DEB_VERSION" ]; then
  echo "debian/changelog is at version $DEB_VERSION but CMakeLists.txt at $CMAKE_VERSION:" \
       "add a changelog entry (dch -v $CMAKE_VERSION)" >&2
  exit 1
fi

# A fixed path, so that ccache finds the objects of the previous package build
SOURCE="$OUT/source"
rm -rf "$SOURCE"
mkdir -p "$SOURCE"
(cd "$ROOT" && cp -a CMakeLists.txt README.md Sources Plugin Resources debian "$SOURCE/")
rm -f "$OUT"/orthanc-nifti-to-dicom*_"$DEB_VERSION"_*.deb "$OUT"/orthanc-nifti-to-dicom_"$DEB_VERSION"_*.{buildinfo,changes}

if command -v ccache >/dev/null 2>&1; then
  CCACHE_DIR="$(ccache --get-config cache_dir)"
  export CCACHE_DIR
fi

(cd "$SOURCE" && dpkg-buildpackage -b -uc -us -j"$JOBS") > "$OUT/build.log" 2>&1 || {
  tail -n 60 "$OUT/build.log" >&2
  echo "dpkg-buildpackage failed; full log: $OUT/build.log" >&2
  exit 1
}
# dpkg-buildpackage writes the packages into the parent of the source tree, $OUT
DEB="$(ls "$OUT"/orthanc-nifti-to-dicom_"$DEB_VERSION"_*.deb)"
echo "$DEB"
