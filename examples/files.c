/*
 * files.c PATH - file I/O through the raw syscalls and through stdio.
 * Creates PATH (and PATH.txt for the stdio part), writes, reads back, seeks
 * with _llseek, patches in place, appends, and shows the errors for a
 * missing file (-ENOENT), O_EXCL on an existing file (-EEXIST) and a closed
 * descriptor (-EBADF). Nothing is deleted. Output never contains PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

#define FILE_SIZE 10000
#define WRITE_CHUNK 1000
#define READ_CHUNK 4096
#define MODE_0644 0644
#define MISSING "/nonexistent-rvplug/file"

static uint8_t wbuf[FILE_SIZE], rbuf[FILE_SIZE + READ_CHUNK];

static void show_bytes(const char *what, const uint8_t *p, long n)
{
	printf("%s:", what);
	for (long i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

static long seek(int fd, int64_t off, int whence)
{
	int64_t pos = -1;
	long r = sys_llseek(fd, off, &pos, whence);
	return r < 0 ? r : (long)pos;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: files PATH\n");
		return 2;
	}
	const char *path = argv[1];
	for (int i = 0; i < FILE_SIZE; i++)
		wbuf[i] = (uint8_t)(i * 31 + (i >> 8));

	/* create and write */
	long fd = sys_openat(LINUX_AT_FDCWD, path, LINUX_O_WRONLY | LINUX_O_CREAT | LINUX_O_TRUNC,
			     MODE_0644);
	printf("openat(O_WRONLY|O_CREAT|O_TRUNC): %s\n", fd >= 0 ? "ok" : "failed");
	if (fd < 0)
		return 1;
	long total = 0, writes = 0;
	for (int off = 0; off < FILE_SIZE; off += WRITE_CHUNK) {
		long n = sys_write(fd, wbuf + off, WRITE_CHUNK);
		if (n != WRITE_CHUNK)
			printf("short write: %ld\n", n);
		total += n;
		writes++;
	}
	printf("wrote %ld bytes in %ld writes\n", total, writes);
	printf("close=%ld close again=%ld\n", sys_close(fd), sys_close(fd));

	/* read back */
	fd = sys_openat(LINUX_AT_FDCWD, path, LINUX_O_RDONLY, 0);
	total = 0;
	printf("reads:");
	for (;;) {
		long n = sys_read(fd, rbuf + total, READ_CHUNK);
		printf(" %ld", n);
		if (n <= 0)
			break;
		total += n;
	}
	printf("\nread %ld bytes, contents %s\n", total,
	       total == FILE_SIZE && memcmp(rbuf, wbuf, FILE_SIZE) == 0 ? "match" : "DIFFER");

	/* seeks */
	printf("llseek(SET 5000)=%ld\n", seek(fd, 5000, LINUX_SEEK_SET));
	long n = sys_read(fd, rbuf, 8);
	show_bytes("read 8 at 5000", rbuf, n);
	printf("llseek(CUR -100)=%ld\n", seek(fd, -100, LINUX_SEEK_CUR));
	printf("llseek(END 0)=%ld\n", seek(fd, 0, LINUX_SEEK_END));
	printf("llseek(END -10)=%ld\n", seek(fd, -10, LINUX_SEEK_END));
	n = sys_read(fd, rbuf, 20);
	printf("read 20 near end=%ld, then %ld\n", n, sys_read(fd, rbuf, 20));
	printf("llseek(SET -1)=%ld\n", seek(fd, -1, LINUX_SEEK_SET));
	printf("write to O_RDONLY fd=%ld\n", sys_write(fd, "x", 1));
	sys_close(fd);

	/* patch in place, then append */
	fd = sys_openat(LINUX_AT_FDCWD, path, LINUX_O_RDWR, 0);
	seek(fd, 100, LINUX_SEEK_SET);
	sys_write(fd, "PATCHED", 7);
	seek(fd, 98, LINUX_SEEK_SET);
	n = sys_read(fd, rbuf, 11);
	show_bytes("read 11 at 98", rbuf, n);
	sys_close(fd);
	fd = sys_openat(LINUX_AT_FDCWD, path, LINUX_O_WRONLY | LINUX_O_APPEND, 0);
	sys_write(fd, "tail", 4);
	printf("after append: size=%ld\n", seek(fd, 0, LINUX_SEEK_END));
	sys_close(fd);

	/* errors */
	printf("openat(missing)=%ld\n", sys_openat(LINUX_AT_FDCWD, MISSING, LINUX_O_RDONLY, 0));
	printf("openat(existing, O_CREAT|O_EXCL)=%ld\n",
	       sys_openat(LINUX_AT_FDCWD, path, LINUX_O_WRONLY | LINUX_O_CREAT | LINUX_O_EXCL,
			  MODE_0644));
	errno = 0;
	int r = open(MISSING, O_RDONLY);
	printf("open(missing)=%d errno=%d\n", r, errno);

	/* stdio on the POSIX hooks (open/read/write/lseek/close) */
	size_t plen = strlen(path);
	char *path2 = malloc(plen + 5);
	memcpy(path2, path, plen);
	memcpy(path2 + plen, ".txt", 5);
	FILE *f = fopen(path2, "w");
	printf("fopen(w): %s\n", f ? "ok" : "failed");
	if (!f)
		return 1;
	for (int i = 1; i <= 5; i++)
		fprintf(f, "line %d: %d squared is %d\n", i, i, i * i);
	printf("fclose=%d\n", fclose(f));
	f = fopen(path2, "r");
	char line[64];
	while (fgets(line, sizeof line, f))
		printf("got: %s", line);
	printf("ftell at end=%ld\n", ftell(f));
	printf("fseek(SET 8)=%d\n", fseek(f, 8, SEEK_SET));
	printf("after fseek: %s", fgets(line, sizeof line, f));
	fclose(f);
	printf("fopen(missing)=%s errno=%d\n", fopen(MISSING, "r") ? "ok" : "NULL", errno);
	free(path2);
	return 0;
}
