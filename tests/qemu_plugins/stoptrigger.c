/*
 * stoptrigger: QEMU's contrib/plugins/stoptrigger.c (QEMU 9.1) on plugin API version 1
 * (QEMU 7.2), without glib, as the oracle for rvplug's plugins/stoptrigger.ts.
 *
 * Usage: qemu-riscv32 -plugin stoptrigger.so,icount=N[:CODE],addr=ADDR[:CODE]... -d plugin prog
 *
 * With icount=N, exactly N instructions run: before the next one the plugin logs
 * "icount reached at 0xPC, exiting" and calls exit(CODE). With addr=ADDR (repeatable), it logs
 * "0xADDR reached, exiting" and calls exit(CODE) before the instruction at ADDR runs. CODE
 * defaults to 0. Version 1 has neither scoreboards nor conditional callbacks: a callback before
 * every instruction counts and compares instead of the original's inline add, inline store and
 * conditional callback; what the plugin prints and when it stops are the same.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* --- state ---------------------------------------------------------------- */
typedef struct {
    uint64_t exit_addr;
    int exit_code;
} ExitInfo;

enum { MAX_ADDRS = 64 };

static uint64_t insn_count;
static uint64_t icount;
static int icount_exit_code;
static int exit_on_icount;
static ExitInfo addrs[MAX_ADDRS];
static int n_addrs;

/* --- exec callbacks ---------------------------------------------------------- */
static void count_insn(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    if (++insn_count == icount + 1) {
        oracle_outf("icount reached at 0x%" PRIx64 ", exiting\n", (uint64_t)(uintptr_t)udata);
        exit(icount_exit_code);
    }
}

static void exit_address_reached(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    ExitInfo *ei = udata;
    oracle_outf("0x%" PRIx64 " reached, exiting\n", ei->exit_addr);
    exit(ei->exit_code);
}

/* --- translate callback ---------------------------------------------------- */
static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t tb_n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < tb_n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t insn_vaddr = qemu_plugin_insn_vaddr(insn);
        if (exit_on_icount) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, count_insn, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)insn_vaddr);
        }
        /* The last addr= of an address wins, as in QEMU's hash table. */
        for (int k = n_addrs - 1; k >= 0; k--) {
            if (addrs[k].exit_addr == insn_vaddr) {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, exit_address_reached,
                                                       QEMU_PLUGIN_CB_NO_REGS, &addrs[k]);
                break;
            }
        }
    }
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i];
        char *colon;
        if (strncmp(opt, "icount=", 7) == 0) {
            const char *value = opt + 7;
            icount = strtoull(value, &colon, 0);
            if (icount < 1 || strchr(value, '-') != NULL) {
                fprintf(stderr, "icount parsing failed: '%s' must be a positive integer\n", value);
                return -1;
            }
            if (*colon == ':') {
                icount_exit_code = strtoull(colon + 1, NULL, 0);
            }
            exit_on_icount = 1;
        } else if (strncmp(opt, "addr=", 5) == 0 && n_addrs < MAX_ADDRS) {
            ExitInfo *ei = &addrs[n_addrs++];
            ei->exit_addr = strtoull(opt + 5, &colon, 0);
            ei->exit_code = *colon == ':' ? (int)strtoull(colon + 1, NULL, 0) : 0;
        } else {
            return oracle_unknown_arg(opt);
        }
    }
    if (!exit_on_icount && n_addrs == 0) {
        fprintf(stderr, "'icount' or 'addr' argument missing\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    return 0;
}
