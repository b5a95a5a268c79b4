/*
 * execlog: QEMU's contrib/plugins/execlog.c, rewritten without glib for plugin API v1
 * (QEMU 7.2), as the oracle for plugins/execlog.ts.
 *
 * Usage: qemu-riscv32 -plugin execlog.so[,ifilter=PREFIX...][,afilter=HEXADDR...]
 *        -d plugin -D LOG prog
 *
 * One line per executed instruction, `0, 0xPC, 0xOPCODE, "DISAS"`, then `, load, 0xADDR` or
 * `, store, 0xADDR` per memory access; written when the next logged instruction starts, the
 * last one at exit. As the newer execlog does, the opcode is the instruction's bytes
 * zero-extended (7.2's read 4 bytes whatever the size) and the exit writes the pending line
 * even when empty. QEMU's RISC-V disassembly starts with the instruction bytes in hex
 * ("00002197          auipc ...") and pads a mnemonic without operands ("ret     "); rvplug's
 * has neither, so both are cut off here, before the filters see the text. API v1 cannot read registers, so there is no `reg=`. An unknown argument is
 * an error naming it.
 */
#define _GNU_SOURCE /* asprintf */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_FILTERS 32

/* --- state ---------------------------------------------------------------- */
static char *last_exec; /* the line of the instruction executing now (one vCPU) */
static size_t last_len, last_cap;
static char *imatches[MAX_FILTERS];
static int n_imatches;
static uint64_t amatches[MAX_FILTERS];
static int n_amatches;

static void append(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (last_len + n + 1 > last_cap) {
        last_cap = (last_len + n + 1) * 2;
        last_exec = realloc(last_exec, last_cap);
    }
    va_start(ap, fmt);
    vsnprintf(last_exec + last_len, n + 1, fmt, ap);
    va_end(ap);
    last_len += n;
}

/* --- exec callbacks --------------------------------------------------------- */
static void vcpu_mem(unsigned int cpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                     void *udata)
{
    (void)cpu_index, (void)udata;
    append(qemu_plugin_mem_is_store(info) ? ", store" : ", load");
    append(", 0x%08" PRIx64, vaddr);
}

static void vcpu_insn_exec(unsigned int cpu_index, void *udata)
{
    if (last_len) {
        qemu_plugin_outs(last_exec);
        qemu_plugin_outs("\n");
    }
    last_len = 0;
    append("%u, %s", cpu_index, (char *)udata);
}

/* --- translate callback ------------------------------------------------------ */
static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    bool filtering = n_imatches || n_amatches;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        char *disas = oracle_disas(insn);
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        bool skip = filtering;
        for (int j = 0; skip && j < n_imatches; j++) {
            skip = strncmp(disas, imatches[j], strlen(imatches[j])) != 0;
        }
        for (int j = 0; skip && j < n_amatches; j++) {
            skip = amatches[j] != vaddr;
        }
        if (!skip) {
            char *output;
            if (asprintf(&output, "0x%" PRIx64 ", 0x%" PRIx32 ", \"%s\"", vaddr,
                         oracle_opcode(insn), disas) < 0) {
                abort();
            }
            qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_RW, NULL);
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec, QEMU_PLUGIN_CB_NO_REGS,
                                                   output);
        }
        free(disas);
    }
}

/* --- exit report ------------------------------------------------------------ */
static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    qemu_plugin_outs(last_len ? last_exec : "");
    qemu_plugin_outs("\n");
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i];
        if (strncmp(opt, "ifilter=", 8) == 0 && n_imatches < MAX_FILTERS) {
            imatches[n_imatches++] = strdup(opt + 8);
        } else if (strncmp(opt, "afilter=", 8) == 0 && n_amatches < MAX_FILTERS) {
            amatches[n_amatches++] = strtoull(opt + 8, NULL, 16);
        } else {
            return oracle_unknown_arg(opt);
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
