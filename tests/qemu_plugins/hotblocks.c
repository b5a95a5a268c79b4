/*
 * hotblocks: QEMU 7.2's contrib/plugins/hotblocks.c, rewritten without glib, as the oracle for
 * plugins/hotblocks.ts.
 *
 * Usage: qemu-riscv32 -plugin hotblocks.so[,inline=on|off] -d plugin -D LOG prog
 * Prints "collected N entries in the hash table", "pc, tcount, icount, ecount" and up to 20
 * blocks, most executed first (ties in no particular order), never the last one of the sorted
 * list, as 7.2 does. Blocks are told apart by start address and instruction count (7.2 hashes
 * their xor). An unknown argument is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_BLOCKS 65536

typedef struct {
    uint64_t start_addr;
    uint64_t exec_count;
    int trans_count;
    unsigned long insns;
} ExecCount;

static bool do_inline;
static const OracleFlag flags[] = {{"inline", &do_inline}};
static const int limit = 20;
static ExecCount *blocks[MAX_BLOCKS];
static int n_blocks;

static int cmp_exec_count(const void *a, const void *b)
{
    const ExecCount *ea = *(ExecCount *const *)a, *eb = *(ExecCount *const *)b;
    return ea->exec_count > eb->exec_count ? -1 : 1;
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    oracle_outf("collected %d entries in the hash table\n", n_blocks);
    if (n_blocks) {
        qsort(blocks, n_blocks, sizeof blocks[0], cmp_exec_count);
        oracle_outf("pc, tcount, icount, ecount\n");
        for (int i = 0; i < limit && i + 1 < n_blocks; i++) {
            ExecCount *rec = blocks[i];
            oracle_outf("0x%016" PRIx64 ", %d, %ld, %" PRId64 "\n", rec->start_addr,
                        rec->trans_count, rec->insns, rec->exec_count);
        }
    }
}

static void vcpu_tb_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    ((ExecCount *)udata)->exec_count++;
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    size_t insns = qemu_plugin_tb_n_insns(tb);
    ExecCount *cnt = NULL;
    (void)id;
    for (int i = 0; i < n_blocks; i++) {
        if (blocks[i]->start_addr == pc && blocks[i]->insns == insns) {
            cnt = blocks[i];
            break;
        }
    }
    if (cnt) {
        cnt->trans_count++;
    } else if (n_blocks < MAX_BLOCKS) {
        cnt = calloc(1, sizeof *cnt);
        cnt->start_addr = pc;
        cnt->trans_count = 1;
        cnt->insns = insns;
        blocks[n_blocks++] = cnt;
    } else {
        return;
    }
    if (do_inline) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                                 &cnt->exec_count, 1);
    } else {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, cnt);
    }
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
