/*
 * drcov: QEMU's contrib/plugins/drcov.c on plugin API version 1 (QEMU 7.2), without glib, as
 * the oracle for rvplug's plugins/drcov.ts.
 *
 * Usage: qemu-riscv32 -plugin drcov.so[,filename=PATH] prog args...
 *
 * Writes PATH (default file.drcov.trace) at exit, exactly as QEMU's plugin does: a text header
 * ("DRCOV VERSION: 2", flavor, a one-module table with start_code, end_code and entry of the
 * guest program, "BB Table: N bbs") followed by one 8-byte record per translated block that ran
 * (start address u32, size in bytes u16, module id u16, little-endian), in translation order.
 * Like the original, a block translated twice appears twice. Unknown arguments are ignored, as
 * QEMU's version ignores them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* --- state ---------------------------------------------------------------- */
static const char header[] = "DRCOV VERSION: 2\n"
                             "DRCOV FLAVOR: drcov-64\n"
                             "Module Table: version 2, count 1\n"
                             "Columns: id, base, end, entry, path\n";

typedef struct {
    uint32_t start;
    uint16_t size;
    uint16_t mod_id;
    int exec;
} bb_entry_t;

static FILE *fp;
static const char *file_name = "file.drcov.trace";
/* Translated blocks, in translation order (QEMU keeps a GPtrArray). */
static bb_entry_t **blocks;
static size_t n_blocks, cap_blocks;

/* --- translate callback ---------------------------------------------------- */
static void vcpu_tb_exec(unsigned int cpu_index, void *udata)
{
    (void)cpu_index;
    ((bb_entry_t *)udata)->exec = 1;
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    bb_entry_t *bb = calloc(1, sizeof *bb);
    for (size_t i = 0; i < n; i++) {
        bb->size += qemu_plugin_insn_size(qemu_plugin_tb_get_insn(tb, i));
    }
    bb->start = qemu_plugin_tb_vaddr(tb);
    if (n_blocks == cap_blocks) {
        cap_blocks = cap_blocks ? 2 * cap_blocks : 128;
        blocks = realloc(blocks, cap_blocks * sizeof *blocks);
    }
    blocks[n_blocks++] = bb;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, bb);
}

/* --- exit report ------------------------------------------------------------ */
static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    unsigned long count = 0;
    for (size_t i = 0; i < n_blocks; i++) {
        count += blocks[i]->exec != 0;
    }
    fputs(header, fp);
    fprintf(fp, "0, 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64 ", %s\n", qemu_plugin_start_code(),
            qemu_plugin_end_code(), qemu_plugin_entry_code(), qemu_plugin_path_to_binary());
    fprintf(fp, "BB Table: %lu bbs\n", count);
    for (size_t i = 0; i < n_blocks; i++) {
        bb_entry_t *bb = blocks[i];
        if (bb->exec) {
            /* Host and guest are little-endian: the raw bytes are the format's. */
            fwrite(&bb->start, sizeof bb->start, 1, fp);
            fwrite(&bb->size, sizeof bb->size, 1, fp);
            fwrite(&bb->mod_id, sizeof bb->mod_id, 1, fp);
        }
        free(bb);
    }
    free(blocks);
    fclose(fp);
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "filename=", 9) == 0) {
            file_name = strdup(argv[i] + 9);
        }
    }
    fp = fopen(file_name, "wb");
    if (!fp) {
        fprintf(stderr, "drcov: cannot open \"%s\"\n", file_name);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
