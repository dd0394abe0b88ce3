# Shared by test/versions.sh and test/deb.sh (source it; both run as root):
# mounting /proc and /dev in a Debian chroot kept under /var/tmp, unmounting
# everything under it again, and removing one safely.

# mount points under a directory, deepest first
mounts_under() {
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts | sort -r
}

MOUNTED=
unmount_chroot() {
	local m
	[ -n "$MOUNTED" ] || return 0
	for m in $(mounts_under "$MOUNTED"); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	MOUNTED=
}

mount_chroot() {
	local c=$1 d
	MOUNTED=$c
	mount -t proc proc "$c/proc" || return 1
	for d in /dev /dev/pts /dev/shm; do
		mkdir -p "$c$d"
		mount --bind "$d" "$c$d" || return 1
	done
}

# remove a chroot, never while anything is mounted in it
remove_chroot() {
	local c=$1
	if [ -n "$(mounts_under "$c")" ]; then
		echo "$c: still has mounts, not removing it:"
		mounts_under "$c"
		return 1
	fi
	rm -rf --one-file-system "$c"
}
