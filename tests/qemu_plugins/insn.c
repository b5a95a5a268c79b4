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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_MATCHES 16
#define MAX_SIZE 16

static uint64_t insn_count;        /* callback count */
static uint64_t inline_insn_count; /* inline count */
static bool do_inline, do_size;
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
    char buf[512];
    (void)cpu_index;

    insn->hits++;
    uint64_t icount = insn_count;
    uint64_t delta = icount - match->last_hit;
    match->hits++;
    match->total_delta += delta;
    snprintf(buf, sizeof buf,
             "0x%" PRIx64 ", '%s', %" PRId64 " hits, %" PRId64 " match hits, "
             "Δ+%" PRId64 " since last match, %" PRId64 " avg insns/match\n",
             insn->vaddr, insn->disas, insn->hits, match->hits, delta,
             match->total_delta / match->hits);
    match->last_hit = icount;
    qemu_plugin_outs(buf);
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
    char buf[1024];
    size_t len = 0;
    (void)id, (void)p;
    buf[0] = '\0';
    if (do_size) {
        for (int i = 0; i <= MAX_SIZE; i++) {
            if (sizes[i]) {
                len += snprintf(buf + len, sizeof buf - len, "len %d bytes: %lu insns\n", i,
                                sizes[i]);
            }
        }
    } else if (do_inline) {
        snprintf(buf, sizeof buf, "insns: %" PRIu64 "\n", inline_insn_count);
    } else {
        if (insn_count) {
            len += snprintf(buf, sizeof buf, "cpu 0 insns: %" PRIu64 "\n", insn_count);
        }
        snprintf(buf + len, sizeof buf - len, "total insns: %" PRIu64 "\n", insn_count);
    }
    qemu_plugin_outs(buf);
}

static bool parse_bool_arg(const char *opt, const char *key, const char *val, bool *ret)
{
    if (!qemu_plugin_bool_parse(key, val, ret)) {
        fprintf(stderr, "boolean argument parsing failed: %s\n", opt);
        return false;
    }
    return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i], key[64];
        char *eq = strchr(opt, '=');
        const char *val = eq ? eq + 1 : "";
        snprintf(key, sizeof key, "%.*s", (int)(eq ? eq - opt : (long)strlen(opt)), opt);
        if (!strcmp(key, "inline")) {
            if (!parse_bool_arg(opt, key, val, &do_inline)) {
                return -1;
            }
        } else if (!strcmp(key, "sizes")) {
            if (!parse_bool_arg(opt, key, val, &do_size)) {
                return -1;
            }
        } else if (!strcmp(key, "match") && n_matches < MAX_MATCHES) {
            matches[n_matches++].match_string = strdup(val);
        } else {
            fprintf(stderr, "option parsing failed: %s\n", opt);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
