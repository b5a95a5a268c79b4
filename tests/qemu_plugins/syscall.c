/*
 * syscall: QEMU 7.2's tests/tcg/plugins/syscall.c, rewritten without glib, as the oracle for
 * plugins/syscall.ts.
 *
 * Usage: qemu-riscv32 -plugin syscall.so[,print=on|off] -d plugin -D LOG prog
 * Prints the table "syscall no.  calls  errors" at exit, most called first (ties in no
 * particular order, as in QEMU), or with print=on logs "syscall #N" and
 * "syscall #N returned -> R" for each call. An unknown argument is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_SYSCALLS 1024

typedef struct {
    int64_t num;
    int64_t calls;
    int64_t errors;
} SyscallStats;

static bool do_print;
static SyscallStats stats[MAX_SYSCALLS];
static int n_stats;

static SyscallStats *get_or_create_entry(int64_t num)
{
    for (int i = 0; i < n_stats; i++) {
        if (stats[i].num == num) {
            return &stats[i];
        }
    }
    if (n_stats == MAX_SYSCALLS) {
        return NULL;
    }
    stats[n_stats].num = num;
    return &stats[n_stats++];
}

static void vcpu_syscall(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num, uint64_t a1,
                         uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                         uint64_t a7, uint64_t a8)
{
    (void)id, (void)vcpu_index, (void)a1, (void)a2, (void)a3, (void)a4;
    (void)a5, (void)a6, (void)a7, (void)a8;
    if (!do_print) {
        SyscallStats *e = get_or_create_entry(num);
        if (e) {
            e->calls++;
        }
    } else {
        oracle_outf("syscall #%" PRIi64 "\n", num);
    }
}

static void vcpu_syscall_ret(qemu_plugin_id_t id, unsigned int vcpu_idx, int64_t num, int64_t ret)
{
    (void)id, (void)vcpu_idx;
    if (!do_print) {
        SyscallStats *e = get_or_create_entry(num);
        if (e && ret < 0) {
            e->errors++;
        }
    } else {
        oracle_outf("syscall #%" PRIi64 " returned -> %" PRIi64 "\n", num, ret);
    }
}

static int comp_func(const void *ea, const void *eb)
{
    const SyscallStats *a = ea, *b = eb;
    return a->calls > b->calls ? -1 : 1;
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    if (do_print) {
        return;
    }
    qsort(stats, n_stats, sizeof stats[0], comp_func);
    qemu_plugin_outs("syscall no.  calls  errors\n");
    for (int i = 0; i < n_stats; i++) {
        oracle_outf("%-13" PRIi64 "%-6" PRIi64 " %" PRIi64 "\n", stats[i].num, stats[i].calls,
                    stats[i].errors);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        OracleArg arg = oracle_arg(argv[i]);
        if (!strcmp(arg.key, "print")) {
            /* As in QEMU 7.2, a value that is not a boolean is reported, not refused. */
            oracle_bool_arg(argv[i], arg.key, arg.val, &do_print);
        } else {
            fprintf(stderr, "unsupported argument: %s\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_syscall_cb(id, vcpu_syscall);
    qemu_plugin_register_vcpu_syscall_ret_cb(id, vcpu_syscall_ret);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
