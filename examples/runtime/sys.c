/*
 * sys.c - syscall wrappers and the POSIX hooks picolibc needs
 * (read, write, open, close, lseek, sbrk, _exit, getpid, kill).
 */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

long sys_read(int fd, void *buf, size_t len)
{
	return rv_syscall3(SYS_read, fd, (long)buf, (long)len);
}

long sys_write(int fd, const void *buf, size_t len)
{
	return rv_syscall3(SYS_write, fd, (long)buf, (long)len);
}

long sys_openat(int dirfd, const char *path, int linux_flags, int mode)
{
	return rv_syscall4(SYS_openat, dirfd, (long)path, linux_flags, mode);
}

long sys_close(int fd)
{
	return rv_syscall1(SYS_close, fd);
}

long sys_llseek(int fd, int64_t offset, int64_t *result, int whence)
{
	return rv_syscall5(SYS_llseek, fd, (long)(offset >> 32), (long)(uint32_t)offset,
			   (long)result, whence);
}

long sys_brk(uintptr_t addr)
{
	return rv_syscall1(SYS_brk, (long)addr);
}

long sys_getpid(void)
{
	return rv_syscall0(SYS_getpid);
}

long sys_gettid(void)
{
	return rv_syscall0(SYS_gettid);
}

long sys_kill(int pid, int sig)
{
	return rv_syscall2(SYS_kill, pid, sig);
}

long sys_getrandom(void *buf, size_t len, unsigned flags)
{
	return rv_syscall3(SYS_getrandom, (long)buf, (long)len, (long)flags);
}

long sys_clock_gettime64(int clock, struct linux_timespec64 *ts)
{
	return rv_syscall2(SYS_clock_gettime64, clock, (long)ts);
}

long sys_mprotect(void *addr, size_t len, int prot)
{
	return rv_syscall3(SYS_mprotect, (long)addr, (long)len, prot);
}

void sys_exit_group(int status)
{
	for (;;)
		rv_syscall1(SYS_exit_group, status);
}

long sys_puts(int fd, const char *s)
{
	return sys_write(fd, s, strlen(s));
}

/* ---- POSIX hooks used by picolibc (tinystdio with POSIX_IO, abort) ---- */

/* Turn a raw kernel result into the libc convention. */
static long set_errno(long r)
{
	if (SYS_IS_ERR(r)) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

ssize_t read(int fd, void *buf, size_t len)
{
	return set_errno(sys_read(fd, buf, len));
}

ssize_t write(int fd, const void *buf, size_t len)
{
	return set_errno(sys_write(fd, buf, len));
}

int open(const char *path, int flags, ...)
{
	int mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	int lf = flags & O_ACCMODE; /* 0, 1, 2 are the same in both ABIs */
	if (flags & O_CREAT)
		lf |= LINUX_O_CREAT;
	if (flags & O_EXCL)
		lf |= LINUX_O_EXCL;
	if (flags & O_TRUNC)
		lf |= LINUX_O_TRUNC;
	if (flags & O_APPEND)
		lf |= LINUX_O_APPEND;
	return (int)set_errno(sys_openat(LINUX_AT_FDCWD, path, lf, mode));
}

int close(int fd)
{
	return (int)set_errno(sys_close(fd));
}

off_t lseek(int fd, off_t offset, int whence)
{
	int64_t pos;
	long r = sys_llseek(fd, offset, &pos, whence);
	if (SYS_IS_ERR(r))
		return (off_t)set_errno(r);
	if (pos != (off_t)pos) {
		errno = EOVERFLOW;
		return -1;
	}
	return (off_t)pos;
}

_off64_t lseek64(int fd, _off64_t offset, int whence)
{
	int64_t pos;
	long r = sys_llseek(fd, offset, &pos, whence);
	if (SYS_IS_ERR(r))
		return set_errno(r);
	return pos;
}

pid_t getpid(void)
{
	return (pid_t)sys_getpid();
}

int kill(pid_t pid, int sig)
{
	return (int)set_errno(sys_kill(pid, sig));
}

void _exit(int status)
{
	sys_exit_group(status);
}

/* Heap: sbrk on the brk syscall. The kernel's brk(0) reports the current
 * break (page-aligned end of the highest loaded segment); brk(x) returns the
 * new break, or the unchanged old one on failure. */
static uintptr_t cur_brk;

void *sbrk(ptrdiff_t incr)
{
	if (cur_brk == 0)
		cur_brk = (uintptr_t)sys_brk(0);
	uintptr_t old = cur_brk;
	if (incr == 0)
		return (void *)old;
	uintptr_t want = old + incr;
	if ((incr > 0 && want < old) || (incr < 0 && want > old)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	uintptr_t got = (uintptr_t)sys_brk(want);
	if (got != want) {
		errno = ENOMEM;
		return (void *)-1;
	}
	cur_brk = want;
	return (void *)old;
}
