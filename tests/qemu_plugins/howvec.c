/*
 * howvec: QEMU's contrib/plugins/howvec.c, rewritten without glib for plugin API v1 (QEMU 7.2),
 * with the RV32IMAC class table of plugins/howvec.ts (QEMU's has no RISC-V table and falls
 * back to counting each opcode apart), as the oracle for that plugin.
 *
 * Usage: qemu-riscv32 -plugin howvec.so[,inline=on|off][,verbose=on|off][,count=CLASS...]
 *        -d plugin -D LOG prog
 *
 * Prints QEMU's report: `Instruction Classes:`, a `Class:` line per class, then the top 50
 * individually counted opcodes (as QEMU, only with two or more, and never the last one). The
 * opcode of a compressed instruction is its 16 bits, zero-extended (7.2's read 4 bytes). Ties
 * in the individual list go by opcode, as in plugins/howvec.ts (QEMU's are in hash order). The
 * disassembly loses QEMU's leading column of instruction bytes and trailing blanks, which
 * rvplug's has not. An unknown argument or class is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

typedef enum { COUNT_CLASS, COUNT_INDIVIDUAL, COUNT_NONE } CountType;

#define MAX_MATCH 4

typedef struct {
    const char *class;
    const char *opt;
    uint32_t match[MAX_MATCH][2]; /* {mask, pattern}: the first n_match count */
    int n_match;
    CountType what;
    uint64_t count;
} InsnClassExecCount;

typedef struct {
    char *insn;
    uint32_t opcode;
    uint64_t count;
    InsnClassExecCount *class;
} InsnExecCount;

/* --- state ---------------------------------------------------------------- */
static InsnClassExecCount classes[] = {
    {"Loads", "load", {{0x7f, 0x03}}, 1, COUNT_CLASS, 0},
    {"Stores", "store", {{0x7f, 0x23}}, 1, COUNT_CLASS, 0},
    {"Cond Branches", "cbranch", {{0x7f, 0x63}}, 1, COUNT_CLASS, 0},
    {"JAL", "jal", {{0x7f, 0x6f}}, 1, COUNT_CLASS, 0},
    {"JALR", "jalr", {{0x7f, 0x67}}, 1, COUNT_CLASS, 0},
    {"LUI", "lui", {{0x7f, 0x37}}, 1, COUNT_CLASS, 0},
    {"AUIPC", "auipc", {{0x7f, 0x17}}, 1, COUNT_CLASS, 0},
    {"ALU (imm)", "alui", {{0x7f, 0x13}}, 1, COUNT_CLASS, 0},
    {"Mul/Div", "muldiv", {{0xfe00007f, 0x02000033}}, 1, COUNT_CLASS, 0},
    {"ALU (reg)", "alur", {{0x7f, 0x33}}, 1, COUNT_CLASS, 0},
    {"LR/SC", "lrsc", {{0xf000007f, 0x1000002f}}, 1, COUNT_CLASS, 0},
    {"AMO", "amo", {{0x7f, 0x2f}}, 1, COUNT_CLASS, 0},
    {"Fence", "fence", {{0x7f, 0x0f}}, 1, COUNT_CLASS, 0},
    {"ECALL", "ecall", {{0xffffffff, 0x00000073}}, 1, COUNT_CLASS, 0},
    {"EBREAK", "ebreak", {{0xffffffff, 0x00100073}}, 1, COUNT_CLASS, 0},
    {"CSR/System", "system", {{0x7f, 0x73}}, 1, COUNT_CLASS, 0},
    {"C Loads", "cload", {{0xffffe001, 0x4000}}, 1, COUNT_CLASS, 0},
    {"C Stores", "cstore", {{0xffffe001, 0xc000}}, 1, COUNT_CLASS, 0},
    {"C Branches", "cbranchc", {{0xffffc003, 0xc001}}, 1, COUNT_CLASS, 0},
    {"C J/JAL", "cj", {{0xffff6003, 0x2001}}, 1, COUNT_CLASS, 0},
    {"C EBREAK", "cebreak", {{0xffffffff, 0x9002}}, 1, COUNT_CLASS, 0},
    {"C JR/JALR", "cjr", {{0xffffe07f, 0x8002}}, 1, COUNT_CLASS, 0},
    {"C ALU",
     "calu",
     {{0xffffe003, 0x0000}, {0xffff0003, 0x0001}, {0xffffe003, 0x0002}, {0xffffe003, 0x8002}},
     4,
     COUNT_CLASS,
     0},
    {"Unclassified", "unclas", {{0, 0}}, 1, COUNT_INDIVIDUAL, 0},
};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))

static const int limit = 50;
static bool do_inline, verbose;
static InsnExecCount **insns;
static size_t n_insns, cap_insns;

/* --- exec callbacks --------------------------------------------------------- */
static void vcpu_insn_exec_before(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    (*(uint64_t *)udata)++;
}

/* --- translate callback ------------------------------------------------------ */
static uint64_t *find_counter(struct qemu_plugin_insn *insn)
{
    uint32_t opcode = oracle_opcode(insn);
    InsnClassExecCount *class = NULL;
    for (size_t i = 0; !class && i < N_CLASSES; i++) {
        for (int j = 0; j < classes[i].n_match; j++) {
            if ((opcode & classes[i].match[j][0]) == classes[i].match[j][1]) {
                class = &classes[i];
                break;
            }
        }
    }
    switch (class->what) {
    case COUNT_NONE:
        return NULL;
    case COUNT_CLASS:
        return &class->count;
    default:
        for (size_t i = 0; i < n_insns; i++) {
            if (insns[i]->opcode == opcode) {
                return &insns[i]->count;
            }
        }
        if (n_insns == cap_insns) {
            cap_insns = cap_insns ? cap_insns * 2 : 64;
            insns = realloc(insns, cap_insns * sizeof(InsnExecCount *));
        }
        InsnExecCount *rec = calloc(1, sizeof(InsnExecCount));
        rec->insn = oracle_disas(insn);
        rec->opcode = opcode;
        rec->class = class;
        insns[n_insns++] = rec;
        return &rec->count;
    }
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t *cnt = find_counter(insn);
        if (!cnt) {
            continue;
        }
        if (do_inline) {
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, cnt, 1);
        } else {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec_before,
                                                   QEMU_PLUGIN_CB_NO_REGS, cnt);
        }
    }
}

/* --- exit report ------------------------------------------------------------ */
static int cmp_exec_count(const void *a, const void *b)
{
    const InsnExecCount *x = *(InsnExecCount *const *)a, *y = *(InsnExecCount *const *)b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return x->opcode < y->opcode ? -1 : x->opcode > y->opcode;
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    qemu_plugin_outs("Instruction Classes:\n");
    for (size_t i = 0; i < N_CLASSES; i++) {
        InsnClassExecCount *class = &classes[i];
        if (class->what == COUNT_CLASS && (class->count || verbose)) {
            oracle_outf("Class: %-24s\t(%" PRId64 " hits)\n", class->class, class->count);
        } else if (class->what == COUNT_INDIVIDUAL) {
            oracle_outf("Class: %-24s\tcounted individually\n", class->class);
        } else if (class->what == COUNT_NONE) {
            oracle_outf("Class: %-24s\tnot counted\n", class->class);
        }
    }
    if (n_insns > 1) {
        qemu_plugin_outs("Individual Instructions:\n");
        qsort(insns, n_insns, sizeof(InsnExecCount *), cmp_exec_count);
        for (size_t i = 0; i < (size_t)limit && i + 1 < n_insns; i++) {
            InsnExecCount *rec = insns[i];
            oracle_outf("Instr: %-24s\t(%" PRId64 " hits)\t(op=0x%08x/%s)\n", rec->insn,
                        rec->count, rec->opcode, rec->class->class);
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
        if (strncmp(opt, "inline=", 7) == 0) {
            if (!oracle_bool_arg(opt, "inline", opt + 7, &do_inline)) {
                return -1;
            }
        } else if (strncmp(opt, "verbose=", 8) == 0) {
            if (!oracle_bool_arg(opt, "verbose", opt + 8, &verbose)) {
                return -1;
            }
        } else if (strncmp(opt, "count=", 6) == 0) {
            const char *value = opt + 6;
            CountType type = COUNT_INDIVIDUAL;
            if (*value == '!') {
                type = COUNT_NONE;
                value++;
            }
            size_t j = 0;
            while (j < N_CLASSES && strcmp(value, classes[j].opt) != 0) {
                j++;
            }
            if (j == N_CLASSES) {
                fprintf(stderr, "unknown class: %s\n", opt);
                return -1;
            }
            classes[j].what = type;
        } else {
            return oracle_unknown_arg(opt);
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
