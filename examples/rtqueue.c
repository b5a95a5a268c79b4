/*
 * rtqueue.c [nest] - real-time signals queue, standard ones do not.
 *
 * Blocks USR1 and the real-time signals 35 and 40, sends 40 three times
 * (rt_sigqueueinfo, then rt_tgsigqueueinfo, then rt_sigqueueinfo, each with
 * its si_value), USR1 three times (kill), and 35 twice (kill, then
 * rt_sigqueueinfo), then unblocks them all and prints every delivery in the
 * order the handlers ran. Linux delivers each real-time signal sent, lowest
 * number first, and USR1 once. The handlers block every signal, so they do
 * not nest; with "nest" they block nothing, and each delivery stacks a frame
 * on the last.
 *
 * Also builds for the host (cc rtqueue.c), where Linux itself is the oracle:
 * the same raw syscalls, through libc's syscall().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define USR1 10
#define RT_LOW 35
#define RT_HIGH 40
#define CODE_QUEUE (-1)
#define SA_SIGINFO 4
#define BIT(sig) (1ull << ((sig) - 1))

/* The kernel's siginfo for kill and sigqueue: sender, then si_value. */
struct ksiginfo {
	int signo, errno_, code;
#if UINTPTR_MAX > 0xffffffffu
	int pad_; /* the union is 8-byte aligned on 64-bit hosts */
#endif
	int pid;
	unsigned uid;
	int value;
	int rest[25];
};

#ifdef __riscv
#include "sys.h"
#define SYS_rt_sigpending 136
#define SYS_rt_sigqueueinfo 138
#define SYS_rt_tgsigqueueinfo 240
#define sys0(n) rv_syscall0(n)
#define sys2(n, a, b) rv_syscall2(n, a, b)
#define sys3(n, a, b, c) rv_syscall3(n, a, b, c)
#define sys4(n, a, b, c, d) rv_syscall4(n, a, b, c, d)

/* The riscv kernel's struct sigaction: no sa_restorer. */
struct ksigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
	uint64_t mask;
};

static void handle(int sig, void (*h)(int, void *, void *), uint64_t mask)
{
	struct ksigaction sa = { h, SA_SIGINFO, mask };
	rv_syscall4(SYS_rt_sigaction, sig, (long)&sa, 0, 8);
}
#else
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#define sys0(n) syscall(n)
#define sys2(n, a, b) syscall(n, a, b)
#define sys3(n, a, b, c) syscall(n, a, b, c)
#define sys4(n, a, b, c, d) syscall(n, a, b, c, d)

/* libc's sigaction: x86-64 needs its sa_restorer. */
static void handle(int sig, void (*h)(int, void *, void *), uint64_t mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))h;
	sa.sa_flags = SA_SIGINFO;
	if (mask)
		sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, 0);
}
#endif

static volatile int count;
static struct { int sig, code, value; } seen[16];

static void record(int sig, void *info, void *uc)
{
	(void)uc;
	struct ksiginfo *si = info;
	if (count < 16) {
		seen[count].sig = sig;
		seen[count].code = si->code;
		seen[count].value = si->value;
	}
	count++;
}

static long self_queue(int sig, int value, int thread)
{
	struct ksiginfo si;
	long pid = sys0(SYS_getpid);
	memset(&si, 0, sizeof si);
	si.signo = sig;
	si.code = CODE_QUEUE;
	si.pid = pid;
	si.value = value;
	return thread ? sys4(SYS_rt_tgsigqueueinfo, pid, pid, sig, (long)&si)
		      : sys3(SYS_rt_sigqueueinfo, pid, sig, (long)&si);
}

static long self_kill(int sig)
{
	return sys2(SYS_kill, sys0(SYS_getpid), sig);
}

static void procmask(int how, uint64_t set)
{
	sys4(SYS_rt_sigprocmask, how, (long)&set, 0, 8);
}

static uint64_t pending(void)
{
	uint64_t set = 0;
	sys2(SYS_rt_sigpending, (long)&set, 8);
	return set;
}

int main(int argc, char **argv)
{
	uint64_t all = argc > 1 && !strcmp(argv[1], "nest") ? 0 : ~0ull;
	const uint64_t sent = BIT(RT_LOW) | BIT(RT_HIGH) | BIT(USR1);
	handle(RT_LOW, record, all);
	handle(RT_HIGH, record, all);
	handle(USR1, record, all);
	procmask(0 /* SIG_BLOCK */, sent);
	for (int i = 1; i <= 3; i++) {
		long q = self_queue(RT_HIGH, 100 + i, i == 2);
		long k = self_kill(USR1);
		if (q || k)
			printf("send %d: sigqueueinfo = %ld, kill = %ld\n", i, q, k);
	}
	self_kill(RT_LOW);
	self_queue(RT_LOW, 7, 0);
	uint64_t set = pending() & sent;
	/* two words: the guests' printf has no long long */
	printf("blocked: handled %d, pending %x %08x\n", count, (unsigned)(set >> 32),
	       (unsigned)set);
	procmask(1 /* SIG_UNBLOCK */, sent);
	int n = count;
	printf("unblocked: handled %d\n", n);
	for (int i = 0; i < n && i < 16; i++)
		printf("signal %d code %d value %d\n", seen[i].sig, seen[i].code,
		       seen[i].code == CODE_QUEUE ? seen[i].value : 0);
	printf("pending after: %s\n", pending() & sent ? "some" : "none");
	return 0;
}
