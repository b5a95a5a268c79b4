/*
 * insn: QEMU 7.2's tests/tcg/plugins/insn.c, rewritten without glib, as the oracle for
 * plugins/insn.ts.
 *
 * Usage: qemu-riscv32 -plugin insn.so[,inline=on|off][,sizes=on|off][,match=PREFIX...]
 *        -d plugin -D LOG prog
 * Prints "insns: N" (inline=on), "cpu 0 insns: N" + "total insns: N" (inline=off, the default),
 * or with sizes=on "len S bytes: N insns" for the instructions translated; traces each execution
 * of an instruction whose disassembly starts with a match PREFIX. As in 7.2, the "since last
 * match" distance uses the callback count, so it is exact only with inline=off. An unknown
 * argument is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_MATCHES 16
#define MAX_SIZE 16

static uint64_t insn_count;        /* callback count */
static uint64_t inline_insn_count; /* inline count */
static bool do_inline, do_size;
static const OracleFlag flags[] = {{"inline", &do_inline}, {"sizes", &do_size}};
static unsigned long sizes[MAX_SIZE + 1];

typedef struct {
    char *match_string;
    uint64_t hits, last_hit, total_delta;
} Match;

static Match matches[MAX_MATCHES];
static int n_matches;

typedef struct {
    Match *match;
    uint64_t vaddr;
    uint64_t hits;
    char *disas;
} Instruction;

static void vcpu_insn_exec_before(unsigned int cpu_index, void *udata)
{
    (void)cpu_index, (void)udata;
    insn_count++;
}

static void vcpu_insn_matched_exec_before(unsigned int cpu_index, void *udata)
{
    Instruction *insn = udata;
    Match *match = insn->match;
    (void)cpu_index;

    insn->hits++;
    uint64_t icount = insn_count;
    uint64_t delta = icount - match->last_hit;
    match->hits++;
    match->total_delta += delta;
    match->last_hit = icount;
    oracle_outf("0x%" PRIx64 ", '%s', %" PRId64 " hits, %" PRId64 " match hits, "
                "Δ+%" PRId64 " since last match, %" PRId64 " avg insns/match\n",
                insn->vaddr, insn->disas, insn->hits, match->hits, delta,
                match->total_delta / match->hits);
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (do_inline) {
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                       &inline_insn_count, 1);
        } else {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec_before,
                                                   QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        if (do_size) {
            size_t sz = qemu_plugin_insn_size(insn);
            if (sz <= MAX_SIZE) {
                sizes[sz]++;
            }
        }
        if (n_matches) {
            char *disas = qemu_plugin_insn_disas(insn);
            for (int j = 0; j < n_matches; j++) {
                Match *m = &matches[j];
                if (!strncmp(disas, m->match_string, strlen(m->match_string))) {
                    Instruction *rec = calloc(1, sizeof *rec);
                    rec->disas = strdup(disas);
                    rec->vaddr = qemu_plugin_insn_vaddr(insn);
                    rec->match = m;
                    qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_matched_exec_before,
                                                           QEMU_PLUGIN_CB_NO_REGS, rec);
                }
            }
            free(disas);
        }
    }
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    if (do_size) {
        for (int i = 0; i <= MAX_SIZE; i++) {
            if (sizes[i]) {
                oracle_outf("len %d bytes: %lu insns\n", i, sizes[i]);
            }
        }
    } else if (do_inline) {
        oracle_outf("insns: %" PRIu64 "\n", inline_insn_count);
    } else {
        if (insn_count) {
            oracle_outf("cpu 0 insns: %" PRIu64 "\n", insn_count);
        }
        oracle_outf("total insns: %" PRIu64 "\n", insn_count);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        OracleArg arg = oracle_arg(argv[i]);
        if (!strcmp(arg.key, "match") && n_matches < MAX_MATCHES) {
            matches[n_matches++].match_string = strdup(arg.val);
        } else if (oracle_flag_arg(argv[i], flags, ORACLE_N_FLAGS(flags))) {
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
