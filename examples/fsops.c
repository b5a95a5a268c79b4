/*
 * fsops.c DIR - file system calls through picolibc and the runtime's hooks:
 * chdir into DIR and getcwd, mkdir, stat/fstat, ftruncate, fsync, utimensat
 * and futimens, rename (renameat2) with and without replacing, truncate64,
 * fdatasync and fchdir (raw: picolibc has no function for them), unlink and
 * rmdir, each error shown with strerror and perror (so errno numbers from
 * ENOSYS up must be translated to picolibc's). Removes what it creates.
 * Output never contains DIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"

#define MODE_0755 0755
#define MODE_0644 0644
#define UNKNOWN_SYSCALL 4000
#define T_ATIME 1000000000
#define T_MTIME 1234567890
#define T_NSEC 250000000 /* exact in binary, so a host keeping double seconds agrees */

/* Prints what a call returned and, when it failed, errno's text; perror
 * writes the same text to stderr. */
static void show(const char *what, int r)
{
	if (r < 0) {
		printf("%s = -1 (%s)\n", what, strerror(errno));
		perror(what);
	} else {
		printf("%s = %d\n", what, r);
	}
}

static void show_stat(const char *path)
{
	struct stat st;
	errno = 0;
	int r = stat(path, &st);
	if (r < 0) {
		show(path, r);
		return;
	}
	/* A directory's size depends on the file system: only a file's shows. */
	if (S_ISREG(st.st_mode))
		printf("stat %s: file size=%ld mode=%03o\n", path, (long)st.st_size,
		       (unsigned)(st.st_mode & 0777));
	else
		printf("stat %s: %s mode=%03o\n", path, S_ISDIR(st.st_mode) ? "dir" : "other",
		       (unsigned)(st.st_mode & 0777));
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, MODE_0644);
	if (fd < 0)
		return fd;
	int n = (int)write(fd, text, strlen(text));
	close(fd);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fsops DIR\n");
		return 2;
	}
	umask(022);
	char cwd[512];
	show("chdir(DIR)", chdir(argv[1]));
	printf("getcwd is DIR: %s\n", getcwd(cwd, sizeof cwd) && !strcmp(cwd, argv[1]) ? "yes" : "no");
	errno = 0;
	printf("getcwd(buf, 2): %s\n", getcwd(cwd, 2) ? "ok" : strerror(errno));
	show("chdir(missing)", chdir("missing"));

	show("mkdir(d)", mkdir("d", MODE_0755));
	show("mkdir(d) again", mkdir("d", MODE_0755));
	show_stat("d");
	show("write_file(d/a)", write_file("d/a", "hello, world\n"));
	show("chdir(d/a)", chdir("d/a"));
	show_stat("d/a");

	int fd = open("d/a", O_RDWR);
	show("ftruncate(5)", ftruncate(fd, 5));
	show("fsync", fsync(fd));
	struct stat st;
	show("fstat", fstat(fd, &st));
	printf("fstat size=%ld\n", (long)st.st_size);
	show("ftruncate(-1)", ftruncate(fd, -1));
	struct timespec times[2] = { { T_ATIME, 0 }, { T_MTIME, T_NSEC } };
	show("futimens", futimens(fd, times));
	close(fd);
	show("ftruncate(closed)", ftruncate(fd, 0));
	show("fsync(closed)", fsync(fd));
	stat("d/a", &st);
	printf("times: atime=%lld mtime=%lld.%09ld\n", (long long)st.st_atim.tv_sec,
	       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	times[0].tv_nsec = UTIME_OMIT;
	times[1] = (struct timespec){ T_ATIME, 0 };
	show("utimensat(d/a)", utimensat(AT_FDCWD, "d/a", times, 0));
	stat("d/a", &st);
	printf("times: atime=%lld mtime=%lld\n", (long long)st.st_atim.tv_sec,
	       (long long)st.st_mtim.tv_sec);
	show("utimensat(missing)", utimensat(AT_FDCWD, "missing", times, 0));

	show("rename(d/a, d/b)", rename("d/a", "d/b"));
	show_stat("d/a");
	show_stat("d/b");
	show("write_file(d/c)", write_file("d/c", "c\n"));
	show("rename(d/c, d/b)", rename("d/c", "d/b"));
	show_stat("d/b");
	show("rename(d/b, d)", rename("d/b", "d"));
	show("rename(missing, d/x)", rename("missing", "d/x"));
	long r = rv_syscall5(SYS_renameat2, LINUX_AT_FDCWD, (long)"d/b", LINUX_AT_FDCWD,
			     (long)"d", 1 /* RENAME_NOREPLACE */);
	show("renameat2(d/b, d, NOREPLACE)", (int)rv_set_errno(r));

	/* The calls picolibc has no function for, raw. */
	show("truncate64(d/b, 1)",
	     (int)rv_set_errno(rv_syscall3(SYS_truncate64, (long)"d/b", 1, 0)));
	show_stat("d/b");
	fd = open("d/b", O_RDONLY);
	show("fdatasync", (int)rv_set_errno(rv_syscall1(SYS_fdatasync, fd)));
	show("ftruncate(read-only)", ftruncate(fd, 0));
	show("fchdir(file)", (int)rv_set_errno(rv_syscall1(SYS_fchdir, fd)));
	close(fd);
	fd = (int)rv_set_errno(sys_openat(LINUX_AT_FDCWD, "d", LINUX_O_DIRECTORY, 0));
	show("fchdir(d)", (int)rv_set_errno(rv_syscall1(SYS_fchdir, fd)));
	close(fd);
	char want[512];
	snprintf(want, sizeof want, "%s/d", argv[1]);
	printf("getcwd is DIR/d: %s\n", getcwd(cwd, sizeof cwd) && !strcmp(cwd, want) ? "yes" : "no");
	show_stat("b");
	show("chdir(..)", chdir(".."));
	printf("getcwd is DIR: %s\n", getcwd(cwd, sizeof cwd) && !strcmp(cwd, argv[1]) ? "yes" : "no");

	show("rmdir(d)", rmdir("d"));
	show("unlink(d)", unlink("d"));
	show("unlink(d/b)", unlink("d/b"));
	show("unlink(d/b) again", unlink("d/b"));
	show("rmdir(d)", rmdir("d"));
	show_stat("d");

	show("syscall 4000", (int)rv_set_errno(rv_syscall0(UNKNOWN_SYSCALL)));
	printf("errno for Linux 38, 39, 40, 95, 117: %d %d %d %d %d\n", rv_errno(38), rv_errno(39),
	       rv_errno(40), rv_errno(95), rv_errno(117));
	return 0;
}
