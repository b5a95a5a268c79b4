/*
 * sys.c - syscall wrappers and the POSIX hooks picolibc needs
 * (read, write, open, close, lseek, sbrk, _exit, getpid, kill); the file
 * system hooks are in fs.c.
 */
/* The Linux-only errno names (ECHRNG, EBADFD...), which picolibc numbers too. */
#define __LINUX_ERRNO_EXTENSIONS__ 1
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

long sys_statx(int dirfd, const char *path, int linux_flags, unsigned mask,
	       struct linux_statx *buf)
{
	return rv_syscall5(SYS_statx, dirfd, (long)path, linux_flags, (long)mask, (long)buf);
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

/* Linux errno values from EDEADLK (35) on, by their picolibc names; 0 where
 * picolibc has none. Below 35 the numbers agree. */
#define LINUX_EDEADLK 35
static const short errno_from_linux[] = {
	[35 - LINUX_EDEADLK] = EDEADLK,
	[36 - LINUX_EDEADLK] = ENAMETOOLONG,
	[37 - LINUX_EDEADLK] = ENOLCK,
	[38 - LINUX_EDEADLK] = ENOSYS,
	[39 - LINUX_EDEADLK] = ENOTEMPTY,
	[40 - LINUX_EDEADLK] = ELOOP,
	[42 - LINUX_EDEADLK] = ENOMSG,
	[43 - LINUX_EDEADLK] = EIDRM,
	[44 - LINUX_EDEADLK] = ECHRNG,
	[45 - LINUX_EDEADLK] = EL2NSYNC,
	[46 - LINUX_EDEADLK] = EL3HLT,
	[47 - LINUX_EDEADLK] = EL3RST,
	[48 - LINUX_EDEADLK] = ELNRNG,
	[49 - LINUX_EDEADLK] = EUNATCH,
	[50 - LINUX_EDEADLK] = ENOCSI,
	[51 - LINUX_EDEADLK] = EL2HLT,
	[52 - LINUX_EDEADLK] = EBADE,
	[53 - LINUX_EDEADLK] = EBADR,
	[54 - LINUX_EDEADLK] = EXFULL,
	[55 - LINUX_EDEADLK] = ENOANO,
	[56 - LINUX_EDEADLK] = EBADRQC,
	[57 - LINUX_EDEADLK] = EBADSLT,
	[59 - LINUX_EDEADLK] = EBFONT,
	[60 - LINUX_EDEADLK] = ENOSTR,
	[61 - LINUX_EDEADLK] = ENODATA,
	[62 - LINUX_EDEADLK] = ETIME,
	[63 - LINUX_EDEADLK] = ENOSR,
	[64 - LINUX_EDEADLK] = ENONET,
	[65 - LINUX_EDEADLK] = ENOPKG,
	[66 - LINUX_EDEADLK] = EREMOTE,
	[67 - LINUX_EDEADLK] = ENOLINK,
	[68 - LINUX_EDEADLK] = EADV,
	[69 - LINUX_EDEADLK] = ESRMNT,
	[70 - LINUX_EDEADLK] = ECOMM,
	[71 - LINUX_EDEADLK] = EPROTO,
	[72 - LINUX_EDEADLK] = EMULTIHOP,
	[73 - LINUX_EDEADLK] = EDOTDOT,
	[74 - LINUX_EDEADLK] = EBADMSG,
	[75 - LINUX_EDEADLK] = EOVERFLOW,
	[76 - LINUX_EDEADLK] = ENOTUNIQ,
	[77 - LINUX_EDEADLK] = EBADFD,
	[78 - LINUX_EDEADLK] = EREMCHG,
	[79 - LINUX_EDEADLK] = ELIBACC,
	[80 - LINUX_EDEADLK] = ELIBBAD,
	[81 - LINUX_EDEADLK] = ELIBSCN,
	[82 - LINUX_EDEADLK] = ELIBMAX,
	[83 - LINUX_EDEADLK] = ELIBEXEC,
	[84 - LINUX_EDEADLK] = EILSEQ,
	[86 - LINUX_EDEADLK] = ESTRPIPE,
	[87 - LINUX_EDEADLK] = EUSERS,
	[88 - LINUX_EDEADLK] = ENOTSOCK,
	[89 - LINUX_EDEADLK] = EDESTADDRREQ,
	[90 - LINUX_EDEADLK] = EMSGSIZE,
	[91 - LINUX_EDEADLK] = EPROTOTYPE,
	[92 - LINUX_EDEADLK] = ENOPROTOOPT,
	[93 - LINUX_EDEADLK] = EPROTONOSUPPORT,
	[94 - LINUX_EDEADLK] = ESOCKTNOSUPPORT,
	[95 - LINUX_EDEADLK] = EOPNOTSUPP,
	[96 - LINUX_EDEADLK] = EPFNOSUPPORT,
	[97 - LINUX_EDEADLK] = EAFNOSUPPORT,
	[98 - LINUX_EDEADLK] = EADDRINUSE,
	[99 - LINUX_EDEADLK] = EADDRNOTAVAIL,
	[100 - LINUX_EDEADLK] = ENETDOWN,
	[101 - LINUX_EDEADLK] = ENETUNREACH,
	[102 - LINUX_EDEADLK] = ENETRESET,
	[103 - LINUX_EDEADLK] = ECONNABORTED,
	[104 - LINUX_EDEADLK] = ECONNRESET,
	[105 - LINUX_EDEADLK] = ENOBUFS,
	[106 - LINUX_EDEADLK] = EISCONN,
	[107 - LINUX_EDEADLK] = ENOTCONN,
	[108 - LINUX_EDEADLK] = ESHUTDOWN,
	[109 - LINUX_EDEADLK] = ETOOMANYREFS,
	[110 - LINUX_EDEADLK] = ETIMEDOUT,
	[111 - LINUX_EDEADLK] = ECONNREFUSED,
	[112 - LINUX_EDEADLK] = EHOSTDOWN,
	[113 - LINUX_EDEADLK] = EHOSTUNREACH,
	[114 - LINUX_EDEADLK] = EALREADY,
	[115 - LINUX_EDEADLK] = EINPROGRESS,
	[116 - LINUX_EDEADLK] = ESTALE,
	[122 - LINUX_EDEADLK] = EDQUOT,
	[123 - LINUX_EDEADLK] = ENOMEDIUM,
	[125 - LINUX_EDEADLK] = ECANCELED,
	[130 - LINUX_EDEADLK] = EOWNERDEAD,
	[131 - LINUX_EDEADLK] = ENOTRECOVERABLE,
};
#define ERRNO_TABLE_SIZE (sizeof errno_from_linux / sizeof errno_from_linux[0])
/* Where picolibc leaves room for numbers of its users. */
#define RV_ERRNO_UNNAMED 2000

int rv_errno(long linux_errno)
{
	if (linux_errno < LINUX_EDEADLK)
		return (int)linux_errno;
	unsigned long i = (unsigned long)(linux_errno - LINUX_EDEADLK);
	if (i < ERRNO_TABLE_SIZE && errno_from_linux[i] != 0)
		return errno_from_linux[i];
	return RV_ERRNO_UNNAMED + (int)linux_errno;
}

long rv_set_errno(long r)
{
	if (SYS_IS_ERR(r)) {
		errno = rv_errno(-r);
		return -1;
	}
	return r;
}

ssize_t read(int fd, void *buf, size_t len)
{
	return rv_set_errno(sys_read(fd, buf, len));
}

ssize_t write(int fd, const void *buf, size_t len)
{
	return rv_set_errno(sys_write(fd, buf, len));
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
	return (int)rv_set_errno(sys_openat(LINUX_AT_FDCWD, path, lf, mode));
}

int close(int fd)
{
	return (int)rv_set_errno(sys_close(fd));
}

off_t lseek(int fd, off_t offset, int whence)
{
	int64_t pos;
	long r = sys_llseek(fd, offset, &pos, whence);
	if (SYS_IS_ERR(r))
		return (off_t)rv_set_errno(r);
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
		return rv_set_errno(r);
	return pos;
}

pid_t getpid(void)
{
	return (pid_t)sys_getpid();
}

int kill(pid_t pid, int sig)
{
	return (int)rv_set_errno(sys_kill(pid, sig));
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
