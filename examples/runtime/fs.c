/*
 * fs.c - the file system hooks picolibc leaves to the system: rename,
 * unlink, rmdir, mkdir, umask, stat/lstat/fstat, getcwd, chdir, ftruncate, fsync,
 * utimensat/futimens. Each is one Linux syscall (stat through statx, as
 * riscv32 glibc does); picolibc's AT_* values are translated (its UTIME_*
 * are the kernel's: sys.h defines them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"

static int at_flags(int flags)
{
	int lf = 0;
	if (flags & AT_SYMLINK_NOFOLLOW)
		lf |= LINUX_AT_SYMLINK_NOFOLLOW;
	if (flags & AT_REMOVEDIR)
		lf |= LINUX_AT_REMOVEDIR;
	return lf;
}

static int at_dirfd(int dirfd)
{
	return dirfd == AT_FDCWD ? LINUX_AT_FDCWD : dirfd;
}

int rename(const char *from, const char *to)
{
	return (int)rv_set_errno(rv_syscall5(SYS_renameat2, LINUX_AT_FDCWD, (long)from,
					     LINUX_AT_FDCWD, (long)to, 0));
}

int unlink(const char *path)
{
	return (int)rv_set_errno(rv_syscall3(SYS_unlinkat, LINUX_AT_FDCWD, (long)path, 0));
}

int rmdir(const char *path)
{
	return (int)rv_set_errno(
		rv_syscall3(SYS_unlinkat, LINUX_AT_FDCWD, (long)path, LINUX_AT_REMOVEDIR));
}

int mkdir(const char *path, mode_t mode)
{
	return (int)rv_set_errno(rv_syscall3(SYS_mkdirat, LINUX_AT_FDCWD, (long)path, (long)mode));
}

mode_t umask(mode_t mask)
{
	return (mode_t)rv_syscall1(SYS_umask, (long)mask);
}

static int stat_at(int dirfd, const char *path, int linux_flags, struct stat *st)
{
	struct linux_statx x;
	long r = sys_statx(dirfd, path, linux_flags, LINUX_STATX_BASIC_STATS, &x);
	if (SYS_IS_ERR(r))
		return (int)rv_set_errno(r);
	*st = (struct stat){
		.st_dev = ((dev_t)x.stx_dev_major << 8) | x.stx_dev_minor,
		.st_ino = (ino_t)x.stx_ino,
		.st_mode = x.stx_mode,
		.st_nlink = (nlink_t)x.stx_nlink,
		.st_uid = x.stx_uid,
		.st_gid = x.stx_gid,
		.st_rdev = ((dev_t)x.stx_rdev_major << 8) | x.stx_rdev_minor,
		.st_size = (off_t)x.stx_size,
		.st_blksize = (blksize_t)x.stx_blksize,
		.st_blocks = (blkcnt_t)x.stx_blocks,
		.st_atim = { x.stx_atime.tv_sec, x.stx_atime.tv_nsec },
		.st_mtim = { x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec },
		.st_ctim = { x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec },
	};
	return 0;
}

int stat(const char *path, struct stat *st)
{
	return stat_at(LINUX_AT_FDCWD, path, 0, st);
}

int lstat(const char *path, struct stat *st)
{
	return stat_at(LINUX_AT_FDCWD, path, LINUX_AT_SYMLINK_NOFOLLOW, st);
}

int fstat(int fd, struct stat *st)
{
	return stat_at(fd, "", LINUX_AT_EMPTY_PATH, st);
}

char *getcwd(char *buf, size_t size)
{
	long r = rv_syscall2(SYS_getcwd, (long)buf, (long)size);
	return rv_set_errno(r) < 0 ? NULL : buf;
}

int chdir(const char *path)
{
	return (int)rv_set_errno(rv_syscall1(SYS_chdir, (long)path));
}

int ftruncate(int fd, off_t length)
{
	int64_t len = length;
	return (int)rv_set_errno(
		rv_syscall3(SYS_ftruncate64, fd, (long)(uint32_t)len, (long)(len >> 32)));
}

int fsync(int fd)
{
	return (int)rv_set_errno(rv_syscall1(SYS_fsync, fd));
}

int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags)
{
	struct linux_timespec64 t[2];
	if (times) {
		for (int i = 0; i < 2; i++)
			t[i] = (struct linux_timespec64){ times[i].tv_sec, times[i].tv_nsec };
	}
	return (int)rv_set_errno(rv_syscall4(SYS_utimensat_time64, at_dirfd(dirfd), (long)path,
					     times ? (long)t : 0, at_flags(flags)));
}

int futimens(int fd, const struct timespec times[2])
{
	return utimensat(fd, NULL, times, 0);
}
