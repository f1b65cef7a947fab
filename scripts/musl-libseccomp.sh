#!/usr/bin/env bash
# Build a static libseccomp for musl, so that hull can be linked against musl
# instead of glibc (docs/performance.md, fifth round: a static glibc is
# 0.8 MB of hull's 2.6 MB of text, and all of it is mapped in every hull
# process; musl is about 50 KB). Prints the install prefix on stdout; exits
# non-zero, saying why on stderr, when it cannot (then `make build` links
# with glibc).
#
# The source is Debian's own libseccomp package, the same version as the
# installed libseccomp-dev (so a musl and a glibc build of one commit filter
# alike), fetched with `apt-get source` from the host's own mirrors through a
# private deb-src list: nothing outside this script's dirs changes. The
# result is cached in $HULL_MUSL_CACHE (default ~/.cache/hull-musl).
set -euo pipefail

die() { echo "musl-libseccomp: $*" >&2; exit 1; }

for tool in musl-gcc gperf make patch dpkg-query apt-get; do
	command -v "$tool" >/dev/null || die "$tool is not installed (scripts/install-deps.sh installs it)"
done
ver=$(dpkg-query -W -f='${Version}' libseccomp-dev 2>/dev/null) || die "libseccomp-dev is not installed"
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
cache=${HULL_MUSL_CACHE:-${HOME:-/root}/.cache/hull-musl}
# No ':' (an epoch) in the path: PKG_CONFIG_LIBDIR is a ':'-separated list.
prefix=$cache/libseccomp-${ver//:/_}
if [[ -f $prefix/.complete ]]; then
	echo "$prefix"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A deb-src twin of every deb source the host has, one-line and deb822.
mkdir -p "$work/lists/partial" "$work/parts"
: >"$work/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[[ -f $f ]] && sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$work/sources.list"
done
for f in /etc/apt/sources.list.d/*.sources; do
	[[ -f $f ]] && sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/parts/$(basename "$f")"
done
apt=(apt-get -q -o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts="$work/parts"
	-o Dir::State::Lists="$work/lists" -o APT::Sandbox::User=root)
"${apt[@]}" update >"$work/apt.log" 2>&1 || die "apt-get update of deb-src lists failed: $(tail -1 "$work/apt.log")"
(cd "$work" && "${apt[@]}" source --download-only "libseccomp=$ver" >>"$work/apt.log" 2>&1) ||
	die "apt-get source libseccomp=$ver failed: $(tail -1 "$work/apt.log")"

orig= deb=
for f in "$work"/libseccomp_*.tar.*; do
	case $f in
	*.asc) ;; # the upstream signature; apt checked the .dsc's checksums
	*.orig.tar.*) orig=$f ;;
	*.debian.tar.*) deb=$f ;;
	esac
done
[[ -n $orig && -n $deb ]] || die "apt-get source libseccomp=$ver gave no .orig and .debian tarballs"
mkdir "$work/src" "$work/debian"
tar -xf "$orig" -C "$work/src" --strip-components=1
tar -xf "$deb" -C "$work/debian"
# Debian's patches (quilt, -p1), in series order: e.g. newer syscall tables.
if [[ -f $work/debian/debian/patches/series ]]; then
	while read -r p _; do
		[[ -z $p || $p == \#* ]] && continue
		patch -d "$work/src" -p1 -s <"$work/debian/debian/patches/$p" || die "patch $p failed"
	done <"$work/debian/debian/patches/series"
fi

# musl-gcc hides /usr/include, glibc's headers; the kernel's uapi headers
# (linux/, asm/, asm-generic/) are libc-neutral and needed by libseccomp and
# hull's C constructor.
stage=$work/prefix
mkdir -p "$stage/linux-headers"
ln -s /usr/include/linux "$stage/linux-headers/linux"
ln -s /usr/include/asm-generic "$stage/linux-headers/asm-generic"
if [[ -n $multiarch && -d /usr/include/$multiarch/asm ]]; then
	ln -s "/usr/include/$multiarch/asm" "$stage/linux-headers/asm"
else
	ln -s /usr/include/asm "$stage/linux-headers/asm"
fi

(
	# Called from `make build`: neither the outer make's flags nor a
	# caller's compiler and linker flags are for this build (configure
	# takes LDFLAGS from the environment).
	unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES CPPFLAGS LDFLAGS LIBS
	cd "$work/src"
	CC=musl-gcc CFLAGS="-O2 -idirafter $stage/linux-headers" ./configure --prefix="$prefix" \
		--enable-static --disable-shared --disable-python >"$work/build.log" 2>&1
	make -j"$(nproc)" -C src >>"$work/build.log" 2>&1
	make -C src install DESTDIR="$work/destdir" >>"$work/build.log" 2>&1
	make -C include install DESTDIR="$work/destdir" >>"$work/build.log" 2>&1
) || die "building libseccomp with musl-gcc failed: $(tail -3 "$work/build.log")"

cp -a "$work/destdir/$prefix/." "$stage/"
mkdir -p "$stage/lib/pkgconfig"
sed "s|^prefix=.*|prefix=$prefix|" "$work/src/libseccomp.pc" >"$stage/lib/pkgconfig/libseccomp.pc"
rm -f "$stage/lib/libseccomp.la"
# Replace a half-built prefix atomically; .complete marks a finished one.
touch "$stage/.complete"
rm -rf "$prefix"
mv "$stage" "$prefix"
echo "$prefix"
