/*
 * tb_cb: counts executed translation blocks with a per-TB exec callback that reads no registers;
 * the C counterpart of `tests/bench/plugins/bb_cb.ts`.
 *
 * Usage: qemu-riscv32 -plugin tb_cb.so prog args... — prints "blocks: N" to stderr at exit.
 */
#include <inttypes.h>
#include <stdio.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

static uint64_t tb_count;

static void vcpu_tb_exec(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    (void)userdata;
    tb_count++;
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void plugin_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    fprintf(stderr, "blocks: %" PRIu64 "\n", tb_count);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                     char **argv)
{
    (void)info;
    if (argc > 0) {
        fprintf(stderr, "tb_cb: unknown argument \"%s\"\n", argv[0]);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
