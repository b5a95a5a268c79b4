/*
 * mem: QEMU 7.2's tests/tcg/plugins/mem.c, rewritten without glib, as the oracle for
 * plugins/mem.ts.
 *
 * Usage: qemu-riscv32 -plugin mem.so[,inline=on|off][,callback=on|off][,track=r|w|rw]
 *        [,haddr=on|off] -d plugin -D LOG prog
 * Prints "inline mem accesses: N" (inline=on), "callback mem accesses: N" (callback=on) and
 * "io accesses: N" (haddr=on); nothing when neither inline nor callback is on. An unknown
 * argument is an error naming it.
 */
#include <stdio.h>
#include <string.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t inline_mem_count, cb_mem_count, io_count;
static bool do_inline, do_callback, do_haddr;
static enum qemu_plugin_mem_rw rw = QEMU_PLUGIN_MEM_RW;

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    char buf[256];
    size_t len = 0;
    (void)id, (void)p;
    buf[0] = '\0';
    if (do_inline) {
        len += snprintf(buf + len, sizeof buf - len, "inline mem accesses: %" PRIu64 "\n",
                        inline_mem_count);
    }
    if (do_callback) {
        len += snprintf(buf + len, sizeof buf - len, "callback mem accesses: %" PRIu64 "\n",
                        cb_mem_count);
    }
    if (do_haddr) {
        snprintf(buf + len, sizeof buf - len, "io accesses: %" PRIu64 "\n", io_count);
    }
    qemu_plugin_outs(buf);
}

static void vcpu_mem(unsigned int cpu_index, qemu_plugin_meminfo_t meminfo, uint64_t vaddr,
                     void *udata)
{
    (void)cpu_index, (void)udata;
    if (do_haddr) {
        struct qemu_plugin_hwaddr *hwaddr = qemu_plugin_get_hwaddr(meminfo, vaddr);
        if (qemu_plugin_hwaddr_is_io(hwaddr)) {
            io_count++;
        } else {
            cb_mem_count++;
        }
    } else {
        cb_mem_count++;
    }
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (do_inline) {
            qemu_plugin_register_vcpu_mem_inline(insn, rw, QEMU_PLUGIN_INLINE_ADD_U64,
                                                 &inline_mem_count, 1);
        }
        if (do_callback) {
            qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem, QEMU_PLUGIN_CB_NO_REGS, rw, NULL);
        }
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i], key[64];
        char *eq = strchr(opt, '=');
        const char *val = eq ? eq + 1 : "";
        bool *flag = NULL;
        snprintf(key, sizeof key, "%.*s", (int)(eq ? eq - opt : (long)strlen(opt)), opt);
        if (!strcmp(key, "track")) {
            if (!strcmp(val, "r")) {
                rw = QEMU_PLUGIN_MEM_R;
            } else if (!strcmp(val, "w")) {
                rw = QEMU_PLUGIN_MEM_W;
            } else if (!strcmp(val, "rw")) {
                rw = QEMU_PLUGIN_MEM_RW;
            } else {
                fprintf(stderr, "invalid value for argument track: %s\n", opt);
                return -1;
            }
            continue;
        }
        flag = !strcmp(key, "haddr")      ? &do_haddr
               : !strcmp(key, "inline")   ? &do_inline
               : !strcmp(key, "callback") ? &do_callback
                                          : NULL;
        if (!flag) {
            fprintf(stderr, "option parsing failed: %s\n", opt);
            return -1;
        }
        if (!qemu_plugin_bool_parse(key, val, flag)) {
            fprintf(stderr, "boolean argument parsing failed: %s\n", opt);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
