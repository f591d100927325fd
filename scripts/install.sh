#!/bin/sh
# Install bsdtrace: the command and its links (truss, procstat, pargs, penv,
# pwdx, protect), manual pages, shell completions, and libbsdtrace (headers,
# shared and static library, pkg-config file).
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--build-dir DIR] [--no-build]
#
# Settings (options win over the environment):
#   PREFIX      install prefix                        (default /usr/local)
#   DESTDIR     staging root prepended to every path  (default empty)
#   BINDIR      the command and its links             (default $PREFIX/bin)
#   LIBDIR      libraries and pkgconfig/              (default $PREFIX/lib)
#   INCLUDEDIR  headers go to $INCLUDEDIR/bsdtrace/   (default $PREFIX/include)
#   DATADIR     man/ and the completions' directories (default $PREFIX/share)
#   MANDIR      man1/ goes here                       (default $DATADIR/man)
#   BUILD_DIR   where cargo left bsdtrace, libbsdtrace.so/.a
#                                                     (default $CARGO_TARGET_DIR/release,
#                                                      else target/release)
#   CARGO       cargo to build with                   (default cargo)
#
# Unless --no-build is given, it first runs
# `cargo build --release -p bsdtrace-cli -p bsdtrace-c`. Manual pages and
# completions are written by the installed binary itself (`bsdtrace manpage
# -d`, `bsdtrace completion SHELL`), from the commands' own --help.
# The headers go to their own directory, $INCLUDEDIR/bsdtrace, because our
# <sys/ptrace.h> must shadow glibc's: `pkg-config --cflags bsdtrace` puts that
# directory on the include path ahead of /usr/include.
set -eu

usage() {
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
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
BINDIR=${BINDIR:-$PREFIX/bin}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
DATADIR=${DATADIR:-$PREFIX/share}
MANDIR=${MANDIR:-$DATADIR/man}
CARGO=${CARGO:-cargo}
BUILD_DIR=${BUILD_DIR:-${CARGO_TARGET_DIR:-$root/target}/release}

case "$PREFIX$BINDIR$LIBDIR$INCLUDEDIR$DATADIR$MANDIR" in
*[!A-Za-z0-9/._+-]*) echo "install.sh: paths must not contain spaces or shell metacharacters" >&2; exit 2 ;;
esac
case "$PREFIX" in
/*) ;;
*) echo "install.sh: PREFIX must be absolute: $PREFIX" >&2; exit 2 ;;
esac

if [ "$build" = 1 ]; then
	(cd "$root" && "$CARGO" build --release -p bsdtrace-cli -p bsdtrace-c)
fi
for f in bsdtrace libbsdtrace.so libbsdtrace.a; do
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

# The command, and the links that run its subcommands by name.
bin=$DESTDIR$BINDIR
install -d "$bin"
install -m 755 "$BUILD_DIR/bsdtrace" "$bin/bsdtrace"
links="truss procstat pargs penv pwdx protect"
for l in $links; do
	ln -sf bsdtrace "$bin/$l"
done

# Manual pages and completions, written by the binary just installed.
man1=$DESTDIR$MANDIR/man1
"$bin/bsdtrace" manpage -d "$man1"
bash_dir=$DESTDIR$DATADIR/bash-completion/completions
zsh_dir=$DESTDIR$DATADIR/zsh/site-functions
fish_dir=$DESTDIR$DATADIR/fish/vendor_completions.d
install -d "$bash_dir" "$zsh_dir" "$fish_dir"
"$bin/bsdtrace" completion bash > "$bash_dir/bsdtrace"
"$bin/bsdtrace" completion zsh > "$zsh_dir/_bsdtrace"
"$bin/bsdtrace" completion fish > "$fish_dir/bsdtrace.fish"
# bash-completion and fish load a command's completions by its name.
for l in $links; do
	ln -sf bsdtrace "$bash_dir/$l"
	ln -sf bsdtrace.fish "$fish_dir/$l.fish"
done

echo "installed bsdtrace $version: the command and its links in $BINDIR, manual pages in $MANDIR/man1, completions under $DATADIR"
echo "installed libbsdtrace $version: headers in $INCLUDEDIR/bsdtrace, libraries in $LIBDIR${DESTDIR:+ (staged under $DESTDIR)}"
