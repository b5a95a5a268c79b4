/*
 * bbv: QEMU's contrib/plugins/bbv.c (QEMU 9.0) on plugin API version 1 (QEMU 7.2), without
 * glib, as the oracle for rvplug's plugins/bbv.ts.
 *
 * Usage: qemu-riscv32 -plugin bbv.so,outfile=PREFIX[,interval=N] prog args...
 *
 * Writes PREFIX.0.bb: each time N instructions (default 100000000) have run, a line
 * "T:id:count :id:count ... " of the blocks that ran in the interval, with their instruction
 * counts (block size times executions, counted at block entry); the last, partial interval is not
 * written. Ids count from 0 in translation order. Version 1 has neither scoreboards nor
 * conditional callbacks: one callback at each block entry adds the counts and ends the interval,
 * where the original adds inline and calls back when the counter reaches N. The original lists a
 * line's blocks in hash-table order; this one lists them by id.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* --- state ---------------------------------------------------------------- */
typedef struct Bb {
    uint64_t vaddr;
    uint64_t count;
    unsigned int index;
} Bb;

/* What a translation's exec callback needs: its block and its size. */
typedef struct {
    Bb *bb;
    uint64_t n_insns;
} TbInfo;

static Bb **bbs; /* by id */
static size_t n_bbs, cap_bbs;
static char *filename;
static FILE *file;
static uint64_t vcpu_count;
static uint64_t interval = 100000000;

/* --- exec callback ----------------------------------------------------------- */
static void vcpu_interval_exec(void)
{
    vcpu_count -= interval;
    fputc('T', file);
    for (size_t i = 0; i < n_bbs; i++) {
        Bb *bb = bbs[i];
        if (!bb->count) {
            continue;
        }
        fprintf(file, ":%u:%" PRIu64 " ", bb->index, bb->count);
        bb->count = 0;
    }
    fputc('\n', file);
}

/* Counts a block's instructions at its entry: the original's two inline adds and its
 * conditional callback. */
static void vcpu_tb_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    TbInfo *ti = udata;
    vcpu_count += ti->n_insns;
    ti->bb->count += ti->n_insns;
    if (vcpu_count >= interval) {
        vcpu_interval_exec();
    }
}

/* --- translate callback ---------------------------------------------------- */
static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
    Bb *bb = NULL;
    for (size_t i = 0; i < n_bbs; i++) {
        if (bbs[i]->vaddr == vaddr) {
            bb = bbs[i];
            break;
        }
    }
    if (!bb) {
        bb = calloc(1, sizeof *bb);
        bb->vaddr = vaddr;
        bb->index = n_bbs;
        if (n_bbs == cap_bbs) {
            cap_bbs = cap_bbs ? 2 * cap_bbs : 256;
            bbs = realloc(bbs, cap_bbs * sizeof *bbs);
        }
        bbs[n_bbs++] = bb;
    }
    /* One per translation, like the original's per-translation registrations. */
    TbInfo *ti = malloc(sizeof *ti);
    ti->bb = bb;
    ti->n_insns = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, ti);
}

/* --- exit report ------------------------------------------------------------ */
static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    fclose(file);
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i];
        if (strncmp(opt, "interval=", 9) == 0) {
            interval = strtoull(opt + 9, NULL, 10);
        } else if (strncmp(opt, "outfile=", 8) == 0) {
            filename = strdup(opt + 8);
        } else {
            return oracle_unknown_arg(opt);
        }
    }
    if (!filename) {
        fputs("outfile unspecified\n", stderr);
        return -1;
    }
    /* The original opens the file in its vCPU-init callback: same name, same moment for one
     * vCPU. */
    char path[4096];
    snprintf(path, sizeof path, "%s.%u.bb", filename, 0u);
    file = fopen(path, "w");
    if (!file) {
        fprintf(stderr, "bbv: cannot open \"%s\"\n", path);
        return -1;
    }
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    return 0;
}
