/*
 * signals.c MODE - signal handlers as Linux riscv runs them, one behaviour
 * per MODE (see README.md). Uses the raw syscalls: picolibc's signal() and
 * raise() keep handlers in the process and never ask the kernel.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sys.h"

#define SYS_sigaltstack 132
#define SYS_rt_sigsuspend 133
#define SYS_rt_sigpending 136
#define SYS_rt_sigreturn 139
#define SYS_setitimer 103
#define SYS_pipe2 59

#define SIGINT 2
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15

#define SYS_clock_nanosleep_time64 407

#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

#define BIT(sig) (1ull << ((sig) - 1))

/* The riscv kernel's struct sigaction: no sa_restorer. */
struct ksigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
	uint64_t mask;
};

struct ksiginfo {
	int signo, errno_, code;
	union {
		struct { int pid; unsigned uid; } kill;
		void *addr;
	} u;
	int pad[28];
};

struct kstack {
	void *sp;
	int flags;
	size_t size;
};

/* ucontext: uc_flags, uc_link, uc_stack, uc_sigmask, then the registers
 * at offset 160: pc, x1..x31. */
struct kucontext {
	unsigned long flags;
	void *link;
	struct kstack stack;
	uint32_t sigmask[2]; /* sigset_t: two words, 4-byte aligned */
	unsigned char pad[160 - 28];
	unsigned long pc;
	unsigned long x[31];
};

static void handle(int sig, void (*h)(int, void *, void *), unsigned long flags, uint64_t mask)
{
	struct ksigaction sa = { h, flags, mask };
	long r = rv_syscall4(SYS_rt_sigaction, sig, (long)&sa, 0, 8);
	if (r)
		printf("rt_sigaction(%d) = %ld\n", sig, r);
}

static __attribute__((noinline)) uint64_t procmask(int how, uint64_t set)
{
	uint64_t old = 0;
	rv_syscall4(SYS_rt_sigprocmask, how, (long)&set, (long)&old, 8);
	return old;
}

static __attribute__((noinline)) uint64_t current_mask(void)
{
	uint64_t old = 0;
	rv_syscall4(SYS_rt_sigprocmask, 0, 0, (long)&old, 8);
	return old;
}

static long self_kill(int sig)
{
	return rv_syscall2(SYS_kill, rv_syscall0(SYS_getpid), sig);
}

static volatile int depth, count;
static volatile void *fault_addr;

static void report(int sig, void *info, void *uc)
{
	struct ksiginfo *si = info;
	struct kucontext *u = uc;
	count++;
	printf("handler %d: signo=%d code=%d from-self=%d mask-in-handler=%llx saved-mask=%llx\n",
	       sig, si->signo, si->code, si->u.kill.pid == rv_syscall0(SYS_getpid),
	       (unsigned long long)current_mask(), (unsigned long long)u->sigmask[0]);
}

static void nested(int sig, void *info, void *uc)
{
	(void)info;
	(void)uc;
	static int raised;
	int d = ++depth;
	printf("enter %d depth %d\n", sig, d);
	if (!raised++)
		self_kill(sig);
	printf("leave %d depth %d\n", sig, d);
	depth--;
}

static void skip_fault(int sig, void *info, void *uc)
{
	struct ksiginfo *si = info;
	struct kucontext *u = uc;
	printf("handler %d: code=%d addr-is-%s\n", sig, si->code,
	       si->u.addr == (void *)u->pc ? "pc" : si->u.addr == fault_addr ? "data" : "other");
	u->pc += 4; /* the faulting instruction is 4 bytes long: skip it */
	u->x[10 - 1] = 42; /* a0 */
}

static jmp_buf jump;
static uint64_t jump_mask;

static void escape(int sig, void *info, void *uc)
{
	(void)uc;
	printf("handler %d: addr=%p, jumping out\n", sig, ((struct ksiginfo *)info)->u.addr);
	longjmp(jump, sig);
}

static char altstack[16384];

static void where(int sig, void *info, void *uc)
{
	(void)info;
	struct kucontext *u = uc;
	char local;
	int on = &local >= altstack && &local < altstack + sizeof altstack;
	struct kstack now;
	rv_syscall2(SYS_sigaltstack, 0, (long)&now);
	printf("handler %d: on altstack=%d, saved ss_flags=%d, now ss_flags=%d\n", sig, on,
	       u->stack.flags, now.flags);
}

static volatile int alarms;

static void tick(int sig, void *info, void *uc)
{
	(void)info;
	(void)uc;
	(void)sig;
	alarms++;
}

/* For the blocking modes: says, from the handler, that it ran (write is async-signal-safe). */
static void noted(int sig, void *info, void *uc)
{
	(void)info;
	(void)uc;
	char line[] = "handler 00\n";
	line[8] = '0' + sig / 10;
	line[9] = '0' + sig % 10;
	rv_syscall3(SYS_write, 1, (long)line, sizeof line - 1);
	alarms++;
}

/* read(fd) once; what it returned, and what it read. */
static void read_once(int fd)
{
	char buf[64];
	long r = rv_syscall3(SYS_read, fd, (long)buf, sizeof buf);
	printf("read = %ld, handled %d", r, alarms);
	if (r > 0)
		printf(", data %.*s", (int)r, buf);
	printf("\n");
}

/* clock_nanosleep(CLOCK_MONOTONIC, 0, 10 s): what it returned, and whether the rest is sane. */
static void sleep_long(long seconds)
{
	struct { int64_t sec; long nsec, pad; } req = { seconds, 0, 0 }, rem = { -1, -1, 0 };
	long r = rv_syscall4(SYS_clock_nanosleep_time64, 1, 0, (long)&req, (long)&rem);
	printf("clock_nanosleep = %ld, handled %d, rest %s\n", r, alarms,
	       r == 0 ? "untouched" : rem.sec >= 0 && rem.sec < seconds && rem.nsec >= 0 &&
	       rem.nsec < 1000000000 ? "within the request" : "wrong");
}

/* A 4-byte load into a0, which the SIGSEGV handler of mode segv sets. */
static __attribute__((noinline)) long load_from(volatile int *p)
{
	register long v __asm__("a0") = 0;
	__asm__ volatile(".option push\n.option norvc\nlw %0, 0(%1)\n.option pop"
			 : "+r"(v) : "r"(p) : "memory");
	return v;
}

/* sigsetjmp/siglongjmp as picolibc lacks them: setjmp plus the saved mask. */
static __attribute__((noinline)) void fault_and_jump(int i)
{
	jump_mask = current_mask();
	int got = setjmp(jump);
	if (got == 0) {
		load_from((volatile int *)(32 + i * 4096));
		printf("not reached\n");
	} else {
		printf("back from signal %d, mask in place %llx\n", got,
		       (unsigned long long)current_mask());
		procmask(2, jump_mask); /* what siglongjmp restores */
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "handler";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "handler")) {
		handle(SIGUSR1, report, SA_SIGINFO, 0);
		printf("kill = %ld\n", self_kill(SIGUSR1));
		printf("tgkill = %ld\n", rv_syscall3(SYS_tgkill, rv_syscall0(SYS_getpid),
						     rv_syscall0(SYS_gettid), SIGUSR1));
		printf("mask after = %llx, handled %d\n", (unsigned long long)current_mask(), count);
	} else if (!strcmp(mode, "samask")) {
		/* sa_mask: the kernel's 16-byte struct sigaction (qemu 7.2 reads 20 bytes) */
		handle(SIGUSR1, report, SA_SIGINFO, BIT(SIGUSR2));
		self_kill(SIGUSR1);
	} else if (!strcmp(mode, "mask")) {
		handle(SIGUSR1, report, SA_SIGINFO, 0);
		procmask(0, BIT(SIGUSR1) | BIT(SIGUSR2));
		self_kill(SIGUSR1);
		uint64_t pending = 0;
		rv_syscall2(SYS_rt_sigpending, (long)&pending, 8);
		printf("blocked: handled %d, pending %llx\n", count, (unsigned long long)pending);
		procmask(1, BIT(SIGUSR1));
		printf("unblocked: handled %d\n", count);
	} else if (!strcmp(mode, "nodefer") || !strcmp(mode, "defer")) {
		handle(SIGUSR2, nested, mode[0] == 'n' ? SA_NODEFER : 0, 0);
		self_kill(SIGUSR2);
		printf("back in main\n");
	} else if (!strcmp(mode, "resethand")) {
		handle(SIGUSR1, report, SA_SIGINFO | SA_RESETHAND, 0);
		self_kill(SIGUSR1);
		printf("once: handled %d; again kills\n", count);
		self_kill(SIGUSR1);
		printf("not reached\n");
	} else if (!strcmp(mode, "altstack")) {
		struct kstack ss = { altstack, 0, sizeof altstack };
		printf("sigaltstack = %ld\n", rv_syscall2(SYS_sigaltstack, (long)&ss, 0));
		handle(SIGUSR1, where, SA_SIGINFO | SA_ONSTACK, 0);
		handle(SIGUSR2, where, SA_SIGINFO, 0);
		self_kill(SIGUSR1);
		self_kill(SIGUSR2);
	} else if (!strcmp(mode, "segv")) {
		handle(SIGSEGV, skip_fault, SA_SIGINFO, 0);
		fault_addr = (void *)16;
		long v = load_from((volatile int *)16);
		printf("after the fault: a0=%ld, handled once\n", v);
	} else if (!strcmp(mode, "longjmp")) {
		handle(SIGSEGV, escape, SA_SIGINFO, 0);
		for (int i = 0; i < 2; i++)
			fault_and_jump(i);
	} else if (!strcmp(mode, "ebreak")) {
		handle(SIGTRAP, skip_fault, SA_SIGINFO, 0);
		__asm__ volatile(".option push\n.option norvc\nebreak\n.option pop");
		printf("after ebreak\n");
	} else if (!strcmp(mode, "illegal")) {
		handle(SIGILL, skip_fault, SA_SIGINFO, 0);
		__asm__ volatile(".4byte 0xc0001073"); /* csrrw x0, cycle, x0: read-only CSR */
		printf("after the illegal instruction\n");
	} else if (!strcmp(mode, "abort")) {
		handle(SIGABRT, report, SA_SIGINFO, 0);
		printf("kill(SIGABRT) = %ld, handled %d\n", self_kill(SIGABRT), count);
	} else if (!strcmp(mode, "pipe")) {
		int fds[2];
		rv_syscall2(SYS_pipe2, (long)fds, 0);
		rv_syscall1(SYS_close, fds[0]);
		handle(SIGPIPE, report, SA_SIGINFO, 0);
		printf("write = %ld, handled %d\n", rv_syscall3(SYS_write, fds[1], (long)"x", 1), count);
	} else if (!strcmp(mode, "alarm")) {
		handle(SIGALRM, tick, SA_SIGINFO, 0);
		long it[4] = { 0, 0, 0, 20000 }; /* once, in 20 ms */
		printf("setitimer = %ld\n", rv_syscall3(SYS_setitimer, 0, (long)it, 0));
		uint64_t none = 0;
		long r = rv_syscall2(SYS_rt_sigsuspend, (long)&none, 8);
		printf("sigsuspend = %ld, alarms %d\n", r, alarms);
		long every[4] = { 0, 5000, 0, 5000 }; /* every 5 ms */
		rv_syscall3(SYS_setitimer, 0, (long)every, 0);
		while (alarms < 4) /* busy: the timer interrupts translated code */
			;
		long off[4] = { 0 };
		rv_syscall3(SYS_setitimer, 0, (long)off, 0);
		printf("alarms %d\n", alarms);
	} else if (!strcmp(mode, "spin")) {
		/* for the host's Ctrl-C: a SIGINT (or argv[2]) handler, then a busy loop until it ran */
		handle(argc > 2 ? atoi(argv[2]) : SIGINT, tick, SA_SIGINFO, 0);
		rv_syscall3(SYS_write, 1, (long)"spinning\n", 9); /* now: stdio writes at exit */
		while (!alarms)
			;
		printf("interrupted\n");
	} else if (!strcmp(mode, "read") || !strcmp(mode, "sleep")) {
		/* for the host's signals: a handler for argv[2] (SA_RESTART if argv[3] is
		 * "restart"), then one blocking read of stdin, or a 10 s sleep */
		int restart = argc > 3 && !strcmp(argv[3], "restart");
		handle(argc > 2 ? atoi(argv[2]) : SIGINT, noted, SA_SIGINFO | (restart ? SA_RESTART : 0), 0);
		if (mode[0] == 'r') {
			rv_syscall3(SYS_write, 1, (long)"reading\n", 8);
			read_once(0);
		} else {
			rv_syscall3(SYS_write, 1, (long)"sleeping\n", 9);
			sleep_long(10);
		}
	} else if (!strcmp(mode, "fifo") && argc > 3) {
		/* for the host's signals: a handler for argv[2] (SA_RESTART if argv[4] is
		 * "restart"), then an open of the FIFO argv[3] for reading, which waits for
		 * a writer, and one read of it */
		int restart = argc > 4 && !strcmp(argv[4], "restart");
		handle(atoi(argv[2]), noted, SA_SIGINFO | (restart ? SA_RESTART : 0), 0);
		rv_syscall3(SYS_write, 1, (long)"opening\n", 8);
		long fd = rv_syscall4(SYS_openat, LINUX_AT_FDCWD, (long)argv[3], LINUX_O_RDONLY, 0);
		printf("open = %s, handled %d\n", fd >= 0 ? "ok" : fd == -4 ? "-4" : "error", alarms);
		if (fd >= 0) {
			rv_syscall3(SYS_write, 1, (long)"reading\n", 8);
			read_once(fd);
		}
	} else if (!strcmp(mode, "alarm-read") || !strcmp(mode, "alarm-sleep")) {
		/* the interval timer cuts short a read of stdin (SA_RESTART if argv[2] is
		 * "restart": the read goes on after the handler) or a 2 s sleep */
		int restart = argc > 2 && !strcmp(argv[2], "restart");
		handle(SIGALRM, noted, SA_SIGINFO | (restart ? SA_RESTART : 0), 0);
		long it[4] = { 0, 0, 0, 100000 }; /* once, in 100 ms */
		rv_syscall3(SYS_setitimer, 0, (long)it, 0);
		if (mode[6] == 'r')
			read_once(0);
		else
			sleep_long(2);
	} else if (!strcmp(mode, "wait")) {
		/* for the host's signals: a SIGTERM handler, then a wait for anything */
		handle(SIGTERM, report, SA_SIGINFO, 0);
		rv_syscall3(SYS_write, 1, (long)"waiting\n", 8);
		uint64_t none = 0;
		rv_syscall2(SYS_rt_sigsuspend, (long)&none, 8);
		printf("woken: handled %d\n", count);
	} else {
		printf("unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
