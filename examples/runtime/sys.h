/*
 * sys.h - raw Linux system calls for RV32 user mode (ilp32).
 *
 * The sys_* functions return what the kernel returns: a non-negative result,
 * or -errno in [-4095, -1]. They never touch errno; the POSIX hooks in sys.c
 * (read, write, open, ...) do that for picolibc.
 */
#ifndef RVPLUG_SYS_H
#define RVPLUG_SYS_H

#include <stddef.h>
#include <stdint.h>

/* System call numbers of the generic Linux ABI as used by riscv32
 * (include/uapi/asm-generic/unistd.h; riscv32 has only the time64 and
 * 64-bit-offset variants). */
#define SYS_getcwd 17
#define SYS_mkdirat 34
#define SYS_unlinkat 35
#define SYS_truncate64 45 /* truncate64(path, len_lo, len_hi) */
#define SYS_ftruncate64 46 /* ftruncate64(fd, len_lo, len_hi) */
#define SYS_chdir 49
#define SYS_fchdir 50
#define SYS_openat 56
#define SYS_close 57
#define SYS_llseek 62 /* _llseek(fd, off_hi, off_lo, loff_t *res, whence) */
#define SYS_read 63
#define SYS_write 64
#define SYS_writev 66
#define SYS_fsync 82
#define SYS_fdatasync 83
#define SYS_exit 93
#define SYS_exit_group 94
#define SYS_set_tid_address 96
#define SYS_kill 129
#define SYS_tgkill 131
#define SYS_rt_sigaction 134
#define SYS_rt_sigprocmask 135
#define SYS_uname 160
#define SYS_umask 166
#define SYS_getpid 172
#define SYS_gettid 178
#define SYS_brk 214
#define SYS_munmap 215
#define SYS_mmap2 222 /* riscv32: offset in 4096-byte units */
#define SYS_mprotect 226
#define SYS_renameat2 276
#define SYS_getrandom 278
#define SYS_statx 291
#define SYS_clock_gettime64 403
#define SYS_utimensat_time64 412

/* Linux open(2) flags (generic ABI). picolibc's O_* differ for O_EXCL, so
 * the open() hook translates. */
#define LINUX_O_RDONLY 00
#define LINUX_O_WRONLY 01
#define LINUX_O_RDWR 02
#define LINUX_O_ACCMODE 03
#define LINUX_O_CREAT 0100
#define LINUX_O_EXCL 0200
#define LINUX_O_TRUNC 01000
#define LINUX_O_APPEND 02000
#define LINUX_O_DIRECTORY 0200000
#define LINUX_AT_FDCWD (-100)
/* picolibc numbers the AT_* flags differently too. */
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_REMOVEDIR 0x200
#define LINUX_AT_EMPTY_PATH 0x1000
/* picolibc declares utimensat and futimens but not these for Linux targets:
 * the kernel's values, which fs.c passes on unchanged. */
#ifndef UTIME_NOW
#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)
#endif
#define LINUX_STATX_BASIC_STATS 0x7ff

#define LINUX_SEEK_SET 0
#define LINUX_SEEK_CUR 1
#define LINUX_SEEK_END 2

#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1

#define LINUX_PROT_READ 1
#define LINUX_PROT_WRITE 2
#define LINUX_PROT_EXEC 4

#define LINUX_SIGILL 4
#define LINUX_SIGABRT 6
#define LINUX_SIGKILL 9
#define LINUX_SIGSEGV 11

#define LINUX_EBADF 9
#define LINUX_ENOSYS 38

#define LINUX_MAX_ERRNO 4095
/* True when a raw syscall result is an error (-4095..-1). */
#define SYS_IS_ERR(r) ((unsigned long)(r) > (unsigned long)-LINUX_MAX_ERRNO - 1)

struct linux_timespec64 {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct linux_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

/* struct statx (include/uapi/linux/stat.h): riscv32 has no stat64 family
 * in the kernel's table, so stat() goes through statx as in glibc. */
struct linux_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};

/* The generic syscall trampolines: number in a7, arguments in a0..a5,
 * result in a0. */
static inline long rv_syscall0(long n)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0");
	__asm__ volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
	return a0;
}

static inline long rv_syscall1(long n, long x0)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return a0;
}

static inline long rv_syscall2(long n, long x0, long x1)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1) : "memory");
	return a0;
}

static inline long rv_syscall3(long n, long x0, long x1, long x2)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
	return a0;
}

static inline long rv_syscall4(long n, long x0, long x1, long x2, long x3)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2), "r"(a3) : "memory");
	return a0;
}

static inline long rv_syscall5(long n, long x0, long x1, long x2, long x3, long x4)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4)
			 : "memory");
	return a0;
}

static inline long rv_syscall6(long n, long x0, long x1, long x2, long x3, long x4, long x5)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	register long a5 __asm__("a5") = x5;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
			 : "memory");
	return a0;
}

/* Thin wrappers (sys.c). */
long sys_read(int fd, void *buf, size_t len);
long sys_write(int fd, const void *buf, size_t len);
long sys_openat(int dirfd, const char *path, int linux_flags, int mode);
long sys_close(int fd);
/* Stores the new offset in *result; returns 0 or -errno. */
long sys_llseek(int fd, int64_t offset, int64_t *result, int whence);
long sys_brk(uintptr_t addr);
long sys_getpid(void);
long sys_gettid(void);
long sys_kill(int pid, int sig);
long sys_getrandom(void *buf, size_t len, unsigned flags);
long sys_clock_gettime64(int clock, struct linux_timespec64 *ts);
long sys_mprotect(void *addr, size_t len, int prot);
__attribute__((noreturn)) void sys_exit_group(int status);

/* lstat, which picolibc's <sys/stat.h> declares only for some targets (fs.c). */
struct stat;
int lstat(const char *path, struct stat *st);

long sys_statx(int dirfd, const char *path, int linux_flags, unsigned mask,
	       struct linux_statx *buf);

/* picolibc's errno for a Linux errno value: the two agree up to ERANGE (34)
 * and differ from there on (ENOSYS is 38 on Linux, 88 in picolibc). Values
 * picolibc has no name for become 2000 + the Linux value. */
int rv_errno(long linux_errno);
/* Turns a raw result into the libc convention: -1 with errno set (through
 * rv_errno) for -4095..-1, the result otherwise. */
long rv_set_errno(long r);

/* Write a NUL-terminated string to fd with one write syscall (no stdio). */
long sys_puts(int fd, const char *s);

/* Flush the runtime's buffered stdout/stderr (stdio.c). Call before
 * deliberately crashing so the output is not lost. */
void rv_flush_stdio(void);

#endif
