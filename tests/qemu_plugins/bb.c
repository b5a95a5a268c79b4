/*
 * bb: QEMU 7.2's tests/tcg/plugins/bb.c, rewritten without glib, as the oracle for plugins/bb.ts.
 *
 * Usage: qemu-riscv32 -plugin bb.so[,inline=on|off][,idle=on|off] -d plugin -D LOG prog
 * Prints "bb's: N, insns: M" (user mode has no per-vCPU report). An unknown argument is an error
 * naming it.
 */
#include <stdio.h>
#include <string.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static bool do_inline;
static bool idle_report; /* accepted; user mode never idles */
static uint64_t bb_count, insn_count;

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
    char buf[128];
    (void)id, (void)p;
    snprintf(buf, sizeof buf, "bb's: %" PRIu64 ", insns: %" PRIu64 "\n", bb_count, insn_count);
    qemu_plugin_outs(buf);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        const char *val = eq ? eq + 1 : "";
        size_t klen = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)klen, argv[i]);
        bool *flag = !strcmp(key, "inline") ? &do_inline : !strcmp(key, "idle") ? &idle_report : NULL;
        if (!flag) {
            fprintf(stderr, "option parsing failed: %s\n", argv[i]);
            return -1;
        }
        if (!qemu_plugin_bool_parse(key, val, flag)) {
            fprintf(stderr, "boolean argument parsing failed: %s\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
