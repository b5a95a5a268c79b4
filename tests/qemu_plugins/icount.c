/*
 * icount: counts the guest instructions a QEMU 7.2 user-mode run executes, exactly, as the
 * oracle for rvplug's `instret`.
 *
 * Usage: qemu-riscv32 -plugin icount.so[,outfile=PATH] prog args...
 *
 * The count is added inline before each instruction executes, so it includes an instruction
 * that faults (rvplug does not retire one: compare with care when the guest dies of a signal).
 * At exit the plugin prints "insns: N" to stderr, or writes that line to PATH. QEMU runs no
 * atexit callback when the guest dies of a signal (it re-raises the signal on itself), so with
 * outfile the counter itself lives in the first 8 bytes of PATH, mapped shared: after a death
 * by signal PATH holds the count as a little-endian uint64 instead of the text line.
 * Unknown arguments are an error that names the key.
 *
 * Build: gcc -shared -fPIC -O2 -I tests/qemu_plugins -o icount.so tests/qemu_plugins/icount.c
 * (qemu-plugin-v1.h declares plugin API version 1 of QEMU 7.2; Debian ships no qemu-plugin.h).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qemu-plugin-v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* --- state ---------------------------------------------------------------- */
/* One vCPU in user mode: a plain counter, as QEMU's own tests/plugin/insn.c uses inline. */
static uint64_t local_count;
/* &local_count, or the shared mapping of outfile's first 8 bytes. */
static uint64_t *insn_count = &local_count;
static char *outfile;

/* Maps PATH's first 8 bytes as the counter; returns 0, or -1 when PATH cannot be used. */
static int map_outfile(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, sizeof(uint64_t)) != 0) {
        return -1;
    }
    void *p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        return -1;
    }
    insn_count = p;
    return 0;
}

/* --- translate callback ---------------------------------------------------- */
static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i),
                                                   QEMU_PLUGIN_INLINE_ADD_U64, insn_count, 1);
    }
}

/* --- exit report ------------------------------------------------------------ */
static void plugin_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    char line[64];
    int len = snprintf(line, sizeof line, "insns: %" PRIu64 "\n", *insn_count);
    if (!outfile) {
        fputs(line, stderr);
        return;
    }
    /* Rewrites the file through a new descriptor; the mapping stays valid until exit. */
    FILE *f = fopen(outfile, "w");
    if (f) {
        fwrite(line, 1, (size_t)len, f);
        fclose(f);
    }
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "outfile=", 8) == 0) {
            outfile = strdup(argv[i] + 8);
            if (map_outfile(outfile) != 0) {
                fprintf(stderr, "icount: cannot open outfile \"%s\"\n", outfile);
                return -1;
            }
        } else {
            fprintf(stderr, "icount: unknown argument \"%s\"\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
