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
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t inline_mem_count, cb_mem_count, io_count;
static bool do_inline, do_callback, do_haddr;
static const OracleFlag flags[] = {
    {"haddr", &do_haddr}, {"inline", &do_inline}, {"callback", &do_callback}};
static enum qemu_plugin_mem_rw rw = QEMU_PLUGIN_MEM_RW;

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    if (do_inline) {
        oracle_outf("inline mem accesses: %" PRIu64 "\n", inline_mem_count);
    }
    if (do_callback) {
        oracle_outf("callback mem accesses: %" PRIu64 "\n", cb_mem_count);
    }
    if (do_haddr) {
        oracle_outf("io accesses: %" PRIu64 "\n", io_count);
    }
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
        OracleArg arg = oracle_arg(argv[i]);
        if (!strcmp(arg.key, "track")) {
            if (!strcmp(arg.val, "r")) {
                rw = QEMU_PLUGIN_MEM_R;
            } else if (!strcmp(arg.val, "w")) {
                rw = QEMU_PLUGIN_MEM_W;
            } else if (!strcmp(arg.val, "rw")) {
                rw = QEMU_PLUGIN_MEM_RW;
            } else {
                fprintf(stderr, "invalid value for argument track: %s\n", argv[i]);
                return -1;
            }
        } else if (oracle_flag_arg(argv[i], flags, ORACLE_N_FLAGS(flags))) {
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
