#!/bin/sh
# Install libbsdtrace: headers, shared and static library, pkg-config file.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--build-dir DIR] [--no-build]
#
# Settings (options win over the environment):
#   PREFIX      install prefix                        (default /usr/local)
#   DESTDIR     staging root prepended to every path  (default empty)
#   LIBDIR      libraries and pkgconfig/              (default $PREFIX/lib)
#   INCLUDEDIR  headers go to $INCLUDEDIR/bsdtrace/   (default $PREFIX/include)
#   BUILD_DIR   where cargo left libbsdtrace.so/.a    (default $CARGO_TARGET_DIR/release,
#                                                      else target/release)
#   CARGO       cargo to build with                   (default cargo)
#
# Unless --no-build is given, it first runs `cargo build --release -p bsdtrace-c`.
# The headers go to their own directory, $INCLUDEDIR/bsdtrace, because our
# <sys/ptrace.h> must shadow glibc's: `pkg-config --cflags bsdtrace` puts that
# directory on the include path ahead of /usr/include.
set -eu

usage() {
	sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=1
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) PREFIX=$2; shift 2 ;;
	--prefix=*) PREFIX=${1#*=}; shift ;;
	--destdir) DESTDIR=$2; shift 2 ;;
	--destdir=*) DESTDIR=${1#*=}; shift ;;
	--build-dir) BUILD_DIR=$2; shift 2 ;;
	--build-dir=*) BUILD_DIR=${1#*=}; shift ;;
	--no-build) build=0; shift ;;
	-h|--help) usage 0 ;;
	*) echo "install.sh: unknown argument: $1" >&2; usage 2 >&2 ;;
	esac
done

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
CARGO=${CARGO:-cargo}
BUILD_DIR=${BUILD_DIR:-${CARGO_TARGET_DIR:-$root/target}/release}

case "$PREFIX$LIBDIR$INCLUDEDIR" in
*[!A-Za-z0-9/._+-]*) echo "install.sh: paths must not contain spaces or shell metacharacters" >&2; exit 2 ;;
esac
case "$PREFIX" in
/*) ;;
*) echo "install.sh: PREFIX must be absolute: $PREFIX" >&2; exit 2 ;;
esac

if [ "$build" = 1 ]; then
	(cd "$root" && "$CARGO" build --release -p bsdtrace-c)
fi
for f in libbsdtrace.so libbsdtrace.a; do
	if [ ! -f "$BUILD_DIR/$f" ]; then
		echo "install.sh: $BUILD_DIR/$f not found (build first, or set BUILD_DIR)" >&2
		exit 1
	fi
done

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml")
# What a static link of a Rust staticlib needs besides libc (rustc --print
# native-static-libs, x86_64-unknown-linux-gnu).
native_static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

inc=$DESTDIR$INCLUDEDIR/bsdtrace
lib=$DESTDIR$LIBDIR
install -d "$inc/sys" "$inc/machine" "$lib/pkgconfig"
install -m 644 "$root"/crates/bsdtrace-c/include/*.h "$inc/"
install -m 644 "$root"/crates/bsdtrace-c/include/sys/*.h "$inc/sys/"
install -m 644 "$root"/crates/bsdtrace-c/include/machine/*.h "$inc/machine/"
install -m 755 "$BUILD_DIR/libbsdtrace.so" "$lib/libbsdtrace.so"
install -m 644 "$BUILD_DIR/libbsdtrace.a" "$lib/libbsdtrace.a"
# Paths under the prefix are written relative to it, so that
# `pkg-config --define-prefix` can relocate the installation.
relative() {
	case "$1" in
	"$PREFIX"/*) echo "\${prefix}${1#"$PREFIX"}" ;;
	*) echo "$1" ;;
	esac
}
pc_libdir=$(relative "$LIBDIR")
pc_includedir=$(relative "$INCLUDEDIR")
sed -e "s|@PREFIX@|$PREFIX|g" \
    -e "s|@LIBDIR@|$pc_libdir|g" \
    -e "s|@INCLUDEDIR@|$pc_includedir|g" \
    -e "s|@VERSION@|$version|g" \
    -e "s|@NATIVE_STATIC_LIBS@|$native_static_libs|g" \
    "$root/crates/bsdtrace-c/bsdtrace.pc.in" > "$lib/pkgconfig/bsdtrace.pc"
chmod 644 "$lib/pkgconfig/bsdtrace.pc"

echo "installed libbsdtrace $version: headers in $INCLUDEDIR/bsdtrace, libraries in $LIBDIR${DESTDIR:+ (staged under $DESTDIR)}"
