/*
 * bb: QEMU 7.2's tests/tcg/plugins/bb.c, rewritten without glib, as the oracle for plugins/bb.ts.
 *
 * Usage: qemu-riscv32 -plugin bb.so[,inline=on|off][,idle=on|off] -d plugin -D LOG prog
 * Prints "bb's: N, insns: M" (user mode has no per-vCPU report). An unknown argument is an error
 * naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static bool do_inline;
static bool idle_report; /* accepted; user mode never idles */
static uint64_t bb_count, insn_count;
static const OracleFlag flags[] = {{"inline", &do_inline}, {"idle", &idle_report}};

static void vcpu_tb_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    insn_count += (uintptr_t)udata;
    bb_count++;
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    if (do_inline) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &bb_count, 1);
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count, n);
    } else {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS,
                                             (void *)(uintptr_t)n);
    }
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    oracle_outf("bb's: %" PRIu64 ", insns: %" PRIu64 "\n", bb_count, insn_count);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (oracle_flag_arg(argv[i], flags, ORACLE_N_FLAGS(flags))) {
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
