/*
 * stdio.c - picolibc tinystdio streams on the read/write syscalls.
 *
 * stdout is fully buffered (one write per 4 KiB or at exit/fflush); stderr is
 * line buffered and flushes stdout first so the two interleave sensibly on a
 * terminal; stdin reads in chunks and flushes stdout before blocking.
 * Buffers are flushed at exit() by a destructor (picolibc's exit runs
 * .fini_array). Nothing is flushed when the process dies from a signal:
 * call rv_flush_stdio() or fflush(stdout) first.
 */
#include <stdio.h>
#include <string.h>

#include "sys.h"

#define OUT_BUF_SIZE 4096
#define ERR_BUF_SIZE 256
#define IN_BUF_SIZE 512

struct rv_ostream {
	FILE file; /* must be first: put/flush receive &file */
	int fd;
	int line_buffered;
	unsigned len;
	unsigned cap;
	char *buf;
};

struct rv_istream {
	FILE file;
	int fd;
	unsigned pos;
	unsigned len;
	char *buf;
};

static int rv_put(char c, FILE *f);
static int rv_flush(FILE *f);
static int rv_get(FILE *f);

static char out_buf[OUT_BUF_SIZE];
static char err_buf[ERR_BUF_SIZE];
static char in_buf[IN_BUF_SIZE];

static struct rv_ostream rv_stdout = {
	.file = FDEV_SETUP_STREAM(rv_put, NULL, rv_flush, _FDEV_SETUP_WRITE),
	.fd = 1,
	.line_buffered = 0,
	.cap = OUT_BUF_SIZE,
	.buf = out_buf,
};

static struct rv_ostream rv_stderr = {
	.file = FDEV_SETUP_STREAM(rv_put, NULL, rv_flush, _FDEV_SETUP_WRITE),
	.fd = 2,
	.line_buffered = 1,
	.cap = ERR_BUF_SIZE,
	.buf = err_buf,
};

static struct rv_istream rv_stdin = {
	.file = FDEV_SETUP_STREAM(NULL, rv_get, NULL, _FDEV_SETUP_READ),
	.fd = 0,
	.buf = in_buf,
};

FILE *const stdin = &rv_stdin.file;
FILE *const stdout = &rv_stdout.file;
FILE *const stderr = &rv_stderr.file;

static int drain(struct rv_ostream *s)
{
	unsigned off = 0;
	while (off < s->len) {
		long r = sys_write(s->fd, s->buf + off, s->len - off);
		if (r <= 0) {
			s->len = 0;
			return _FDEV_ERR;
		}
		off += (unsigned)r;
	}
	s->len = 0;
	return 0;
}

static int rv_put(char c, FILE *f)
{
	struct rv_ostream *s = (struct rv_ostream *)f;
	if (s == &rv_stderr && rv_stdout.len)
		drain(&rv_stdout);
	s->buf[s->len++] = c;
	if (s->len == s->cap || (s->line_buffered && c == '\n'))
		return drain(s);
	return 0;
}

static int rv_flush(FILE *f)
{
	return drain((struct rv_ostream *)f) ? EOF : 0;
}

static int rv_get(FILE *f)
{
	struct rv_istream *s = (struct rv_istream *)f;
	if (s->pos == s->len) {
		if (rv_stdout.len)
			drain(&rv_stdout);
		long r = sys_read(s->fd, s->buf, IN_BUF_SIZE);
		if (r == 0)
			return _FDEV_EOF;
		if (r < 0)
			return _FDEV_ERR;
		s->pos = 0;
		s->len = (unsigned)r;
	}
	return (unsigned char)s->buf[s->pos++];
}

void rv_flush_stdio(void)
{
	drain(&rv_stdout);
	drain(&rv_stderr);
}

__attribute__((destructor)) static void rv_stdio_fini(void)
{
	rv_flush_stdio();
}
