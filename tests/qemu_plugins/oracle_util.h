/*
 * oracle_util.h - what the C oracle plugins of this directory share: their arguments split and
 * refused as QEMU's plugins do, printf-style output to QEMU's plugin log, and an instruction's
 * disassembly and opcode as rvplug's plugins show them.
 *
 * Include it (it includes qemu-plugin-v1.h) from the one source file of a plugin: its functions
 * are static.
 */
#ifndef ORACLE_UTIL_H
#define ORACLE_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-v1.h"

/* --- arguments -------------------------------------------------------------- */

/* A plugin argument "key=value" split at its first '=': the key (at most 63 bytes of it) and the
 * value ("" when there is no '='). */
typedef struct {
    char key[64];
    const char *val;
} OracleArg;

static inline OracleArg oracle_arg(const char *opt)
{
    OracleArg arg;
    const char *eq = strchr(opt, '=');
    snprintf(arg.key, sizeof arg.key, "%.*s", (int)(eq ? eq - opt : (long)strlen(opt)), opt);
    arg.val = eq ? eq + 1 : "";
    return arg;
}

/* Refuses the argument `opt` as unknown, as QEMU's plugins do: says so on stderr and returns -1,
 * for qemu_plugin_install to return. */
static inline int oracle_unknown_arg(const char *opt)
{
    fprintf(stderr, "option parsing failed: %s\n", opt);
    return -1;
}

/* Parses `val`, the value of the boolean argument `key` (the whole argument: `opt`), into *ret
 * as QEMU's plugins do; when it is not a boolean, leaves *ret alone, says so on stderr and
 * returns false. */
static inline bool oracle_bool_arg(const char *opt, const char *key, const char *val, bool *ret)
{
    if (!qemu_plugin_bool_parse(key, val, ret)) {
        fprintf(stderr, "boolean argument parsing failed: %s\n", opt);
        return false;
    }
    return true;
}

/* A boolean argument: its key and the flag it sets. */
typedef struct {
    const char *key;
    bool *flag;
} OracleFlag;

#define ORACLE_N_FLAGS(flags) (sizeof(flags) / sizeof((flags)[0]))

/* Sets the flag of `flags` (n of them) whose key the argument `opt` has, parsing its value as
 * QEMU's plugins do; returns 0, or -1 (for qemu_plugin_install to return) after saying on stderr
 * that the key is none of theirs or the value is not a boolean. */
static inline int oracle_flag_arg(const char *opt, const OracleFlag *flags, size_t n)
{
    OracleArg arg = oracle_arg(opt);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(arg.key, flags[i].key)) {
            return oracle_bool_arg(opt, arg.key, arg.val, flags[i].flag) ? 0 : -1;
        }
    }
    return oracle_unknown_arg(opt);
}

/* --- output ----------------------------------------------------------------- */

/* Writes printf-style text to QEMU's plugin log (`-d plugin`), whatever its length. */
static inline void __attribute__((format(printf, 1, 2))) oracle_outf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    qemu_plugin_outs(text);
    free(text);
}

/* --- instructions ------------------------------------------------------------ */

/* The disassembly of `insn` as rvplug writes it, malloc'd: QEMU's RISC-V disassembly starts with
 * the instruction's bytes in hex ("00002197          auipc ...") and pads a mnemonic without
 * operands ("ret     "); rvplug's has neither, so both are cut off. */
static inline char *oracle_disas(const struct qemu_plugin_insn *insn)
{
    char *full = qemu_plugin_insn_disas(insn);
    size_t n = strlen(full);
    while (n > 0 && full[n - 1] == ' ') {
        full[--n] = 0;
    }
    const char *p = full + strcspn(full, " ");
    char *disas = strdup(p + strspn(p, " "));
    free(full);
    return disas;
}

/* The bytes of `insn` as a number, the first in the low byte: a compressed instruction's 16 bits
 * zero-extended (QEMU 7.2's plugins read 4 bytes whatever the size). */
static inline uint32_t oracle_opcode(const struct qemu_plugin_insn *insn)
{
    uint32_t opcode = 0;
    size_t size = qemu_plugin_insn_size(insn);
    memcpy(&opcode, qemu_plugin_insn_data(insn), size < 4 ? size : 4);
    return opcode;
}

#endif /* ORACLE_UTIL_H */
