/*
 * cflow: QEMU's contrib/plugins/cflow.c, rewritten without glib for plugin API v1 (QEMU 7.2),
 * as the oracle for plugins/cflow.ts.
 *
 * Usage: qemu-riscv32 -plugin cflow.so[,sort=hottest|early|exceptions] -d plugin -D LOG prog
 *
 * API v1 has no scoreboards, inline stores or conditional callbacks, so the state QEMU keeps
 * inline (block pc, end of block, pc after block, last pc) is kept by callbacks: one per block
 * and one per instruction, in the same order. Where QEMU's report depends on glib's hash order
 * (nodes with equal sort keys), this one orders them by address, as plugins/cflow.ts does. The disassembly loses QEMU's leading column of instruction bytes and
 * trailing blanks, which rvplug's has not. QEMU's debug line on stderr for early exits is left
 * out. An unknown argument is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum sort { SORT_HOTTEST, SORT_EXCEPTION, SORT_POPDEST };

typedef struct {
    uint64_t daddr, dcount;
} DestData;

typedef struct {
    uint64_t addr;
    DestData *dests;
    int n_dests, cap_dests;
    uint64_t early_exit, dest_count;
    char *insn_disas;
    const char *symbol;
    int last_count, mid_count;
} NodeData;

/* --- state ---------------------------------------------------------------- */
static enum sort report = SORT_HOTTEST;
static const int topn = 10;
static uint64_t tb_pc, end_block, pc_after_block, last_pc;
static NodeData **table; /* open addressing by address */
static size_t table_cap = 1 << 16, n_nodes;

static NodeData *fetch_node(uint64_t addr)
{
    size_t h = (addr * 0x9e3779b97f4a7c15ull) >> 48;
    for (;; h = (h + 1) % table_cap) {
        if (!table[h]) {
            NodeData *node = calloc(1, sizeof(NodeData));
            node->addr = addr;
            table[h] = node;
            if (++n_nodes * 2 > table_cap) {
                fprintf(stderr, "cflow: too many nodes\n");
                abort();
            }
            return node;
        }
        if (table[h]->addr == addr) {
            return table[h];
        }
    }
}

/* --- exec callbacks --------------------------------------------------------- */
static void vcpu_tb_branched_exec(void)
{
    uint64_t lpc = last_pc, ebpc = end_block, pc = tb_pc;
    if (!lpc) {
        return;
    }
    NodeData *node = fetch_node(lpc);
    if (lpc != ebpc) {
        node->early_exit++;
        if (!node->mid_count) {
            node->mid_count++;
        }
    }
    DestData *data = NULL;
    for (int i = 0; i < node->n_dests; i++) {
        if (node->dests[i].daddr == pc) {
            data = &node->dests[i];
        }
    }
    if (!data) {
        if (node->n_dests == node->cap_dests) {
            node->cap_dests = node->cap_dests ? node->cap_dests * 2 : 4;
            node->dests = realloc(node->dests, node->cap_dests * sizeof(DestData));
        }
        data = &node->dests[node->n_dests++];
        data->daddr = pc;
        data->dcount = 0;
    }
    data->dcount++;
    node->dest_count++;
}

/* The block's inline store of its pc and its conditional callback. */
static void vcpu_tb_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    tb_pc = (uintptr_t)udata;
    if (pc_after_block != tb_pc) {
        vcpu_tb_branched_exec();
    }
}

typedef struct {
    uint64_t pc, end_block, pc_after_block;
} InsnInfo;

/* The first instruction's inline stores of the block's end, then every one's of its pc. */
static void vcpu_first_insn_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    InsnInfo *info = udata;
    end_block = info->end_block;
    pc_after_block = info->pc_after_block;
    last_pc = info->pc;
}

static void vcpu_insn_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    last_pc = (uintptr_t)udata;
}

/* --- translate callback ------------------------------------------------------ */
static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    size_t n = qemu_plugin_tb_n_insns(tb);
    struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS,
                                         (void *)(uintptr_t)pc);
    for (size_t idx = 0; idx < n; idx++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, idx);
        uint64_t ipc = qemu_plugin_insn_vaddr(insn);
        /* As QEMU, whose fetch_node(ipc, last_insn) always creates. */
        NodeData *node = fetch_node(ipc);
        if (!node->insn_disas) {
            node->insn_disas = oracle_disas(insn);
        }
        if (!node->symbol) {
            node->symbol = qemu_plugin_insn_symbol(insn);
        }
        if (idx == n - 1) {
            node->last_count++;
        } else {
            node->mid_count++;
        }
        if (idx == 0) {
            InsnInfo *info = malloc(sizeof(InsnInfo));
            info->pc = ipc;
            info->end_block = qemu_plugin_insn_vaddr(last);
            info->pc_after_block = info->end_block + qemu_plugin_insn_size(last);
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_first_insn_exec,
                                                   QEMU_PLUGIN_CB_NO_REGS, info);
        } else {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)ipc);
        }
    }
}

/* --- exit report ------------------------------------------------------------ */
static uint64_t sort_key(const NodeData *n)
{
    return report == SORT_HOTTEST ? n->dest_count
           : report == SORT_EXCEPTION ? n->early_exit
                                      : (uint64_t)n->n_dests;
}

/* Descending key, then ascending address. */
static int cmp_nodes(const void *a, const void *b)
{
    const NodeData *x = *(NodeData *const *)a, *y = *(NodeData *const *)b;
    uint64_t kx = sort_key(x), ky = sort_key(y);
    if (kx != ky) {
        return kx > ky ? -1 : 1;
    }
    return x->addr < y->addr ? -1 : 1;
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    oracle_outf("collected %zu control flow nodes in the hash table\n", n_nodes);
    NodeData **nodes = calloc(n_nodes + 1, sizeof(NodeData *));
    size_t k = 0;
    for (size_t h = 0; h < table_cap; h++) {
        if (table[h] && table[h]->dest_count) {
            nodes[k++] = table[h];
        }
    }
    qsort(nodes, k, sizeof(NodeData *), cmp_nodes);
    for (size_t i = 0; i < k && i < (size_t)topn; i++) {
        NodeData *n = nodes[i];
        oracle_outf("  addr: 0x%" PRIx64 " %s: %s (%s)\n", n->addr,
                    n->symbol ? n->symbol : "(null)", n->insn_disas,
                    n->mid_count ? "sync fault" : "branch");
        if (n->early_exit) {
            oracle_outf("    early exits %" PRId64 "\n", n->early_exit);
        }
        oracle_outf("    branches %" PRId64 "\n", n->dest_count);
        for (int j = 0; j < n->n_dests; j++) {
            oracle_outf("      to 0x%" PRIx64 " (%" PRId64 ")\n", n->dests[j].daddr,
                        n->dests[j].dcount);
        }
    }
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i];
        if (strncmp(opt, "sort=", 5) == 0) {
            const char *v = opt + 5;
            if (strcmp(v, "hottest") == 0) {
                report = SORT_HOTTEST;
            } else if (strcmp(v, "early") == 0) {
                report = SORT_EXCEPTION;
            } else if (strcmp(v, "exceptions") == 0) {
                report = SORT_POPDEST;
            } else {
                fprintf(stderr, "failed to parse: %s\n", v);
                return -1;
            }
        } else {
            return oracle_unknown_arg(opt);
        }
    }
    table = calloc(table_cap, sizeof(NodeData *));
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
