/*
 * cache: QEMU's contrib/plugins/cache.c, rewritten without glib for plugin API v1 (QEMU 7.2),
 * as the oracle for plugins/cache.ts.
 *
 * Usage: qemu-riscv32 -plugin cache.so[,dcachesize=N][,dassoc=A][,dblksize=B][,icachesize=N]
 *        [,iassoc=A][,iblksize=B][,l2=on|off][,l2cachesize=N][,l2assoc=A][,l2blksize=B]
 *        [,evict=lru|fifo|rand][,limit=N] -d plugin -D LOG prog
 *
 * Same caches, policies, defaults and report as QEMU's (one core: user mode). Where QEMU's
 * report depends on glib's hash order (the order of instructions with equal miss counts), this
 * one orders them by address, as plugins/cache.ts does, so the two reports compare as text.
 * The disassembly loses QEMU's leading column of instruction bytes and trailing blanks, which
 * rvplug's has not. An unknown argument is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum policy { LRU, FIFO, RAND };

typedef struct {
    int assoc, blksize_shift, num_sets;
    uint64_t set_mask, tag_mask;
    uint64_t *tags;
    bool *valid;
    uint64_t *lru_prio; /* per block */
    uint64_t *lru_gen;  /* per set */
    int *fifo;          /* per set: assoc slots, oldest first */
    int *fifo_len;      /* per set */
    uint64_t accesses, misses;
} Cache;

typedef struct {
    uint64_t addr;
    char *disas;
    const char *symbol;
    uint64_t l1_dmisses, l1_imisses, l2_misses;
} InsnData;

/* --- state ---------------------------------------------------------------- */
static enum policy policy = LRU;
static int limit = 32;
static Cache *dcache, *icache, *l2cache;
static InsnData **insns; /* open addressing by address */
static size_t insns_cap = 1 << 16, n_insns;

static int log2i(int n)
{
    int r = 0;
    while (n /= 2) {
        r++;
    }
    return r;
}

static Cache *cache_init(const char *name, int blksize, int assoc, int size)
{
    if (size % blksize || size % (blksize * assoc)) {
        fprintf(stderr, "%s cannot be constructed from given parameters\n", name);
        return NULL;
    }
    Cache *c = calloc(1, sizeof(Cache));
    c->assoc = assoc;
    c->num_sets = size / (blksize * assoc);
    c->blksize_shift = log2i(blksize);
    c->set_mask = (uint64_t)(c->num_sets - 1) << c->blksize_shift;
    c->tag_mask = ~(c->set_mask | (uint64_t)(blksize - 1));
    c->tags = calloc(c->num_sets * assoc, sizeof(uint64_t));
    c->valid = calloc(c->num_sets * assoc, sizeof(bool));
    c->lru_prio = calloc(c->num_sets * assoc, sizeof(uint64_t));
    c->lru_gen = calloc(c->num_sets, sizeof(uint64_t));
    c->fifo = calloc(c->num_sets * assoc, sizeof(int));
    c->fifo_len = calloc(c->num_sets, sizeof(int));
    return c;
}

/* Simulates an access; returns whether it hit. The block is filled on a miss. */
static bool access_cache(Cache *c, uint64_t addr)
{
    uint64_t tag = addr & c->tag_mask, set = (addr & c->set_mask) >> c->blksize_shift;
    uint64_t *tags = c->tags + set * c->assoc, *prio = c->lru_prio + set * c->assoc;
    bool *valid = c->valid + set * c->assoc;
    int *fifo = c->fifo + set * c->assoc;
    for (int i = 0; i < c->assoc; i++) {
        if (valid[i] && tags[i] == tag) {
            if (policy == LRU) {
                prio[i] = c->lru_gen[set]++;
            }
            return true;
        }
    }
    int blk = -1;
    for (int i = 0; i < c->assoc && blk < 0; i++) {
        if (!valid[i]) {
            blk = i;
        }
    }
    if (blk < 0) {
        if (policy == RAND) {
            blk = rand() % c->assoc;
        } else if (policy == FIFO) {
            blk = fifo[0];
            memmove(fifo, fifo + 1, --c->fifo_len[set] * sizeof(int));
        } else {
            blk = 0;
            for (int i = 1; i < c->assoc; i++) {
                if (prio[i] < prio[blk]) {
                    blk = i;
                }
            }
        }
    }
    if (policy == LRU) {
        prio[blk] = c->lru_gen[set]++;
    } else if (policy == FIFO) {
        fifo[c->fifo_len[set]++] = blk;
    }
    tags[blk] = tag;
    valid[blk] = true;
    return false;
}

/* Counts an access to `l1` (and the L2 on a miss), charging misses to `insn`. */
static void simulate(Cache *l1, uint64_t addr, uint64_t *l1_misses, InsnData *insn)
{
    l1->accesses++;
    if (access_cache(l1, addr)) {
        return;
    }
    l1->misses++;
    (*l1_misses)++;
    if (l2cache) {
        l2cache->accesses++;
        if (!access_cache(l2cache, addr)) {
            l2cache->misses++;
            insn->l2_misses++;
        }
    }
}

static InsnData *lookup(uint64_t addr, struct qemu_plugin_insn *insn)
{
    size_t h = (addr * 0x9e3779b97f4a7c15ull) >> 48;
    for (;; h = (h + 1) % insns_cap) {
        if (!insns[h]) {
            InsnData *d = calloc(1, sizeof(InsnData));
            d->disas = oracle_disas(insn);
            d->symbol = qemu_plugin_insn_symbol(insn);
            d->addr = addr;
            insns[h] = d;
            if (++n_insns * 2 > insns_cap) {
                fprintf(stderr, "cache: too many instructions\n");
                abort();
            }
            return d;
        }
        if (insns[h]->addr == addr) {
            return insns[h];
        }
    }
}

/* --- translate callback ------------------------------------------------------ */
static void vcpu_mem_access(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                            void *userdata)
{
    (void)vcpu_index, (void)info;
    InsnData *insn = userdata;
    simulate(dcache, vaddr, &insn->l1_dmisses, insn);
}

static void vcpu_insn_exec(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    InsnData *insn = userdata;
    simulate(icache, insn->addr, &insn->l1_imisses, insn);
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        InsnData *data = lookup(qemu_plugin_insn_vaddr(insn), insn);
        qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem_access, QEMU_PLUGIN_CB_NO_REGS,
                                         QEMU_PLUGIN_MEM_RW, data);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec, QEMU_PLUGIN_CB_NO_REGS,
                                               data);
    }
}

/* --- exit report ------------------------------------------------------------ */
static int key; /* 0: data misses, 1: fetch misses, 2: L2 misses */

static uint64_t misses_of(const InsnData *d)
{
    return key == 0 ? d->l1_dmisses : key == 1 ? d->l1_imisses : d->l2_misses;
}

static InsnData **sorted;

/* Descending misses. */
static int by_misses(const void *a, const void *b)
{
    uint64_t mx = misses_of(*(InsnData *const *)a), my = misses_of(*(InsnData *const *)b);
    return mx < my ? 1 : mx > my ? -1 : 0;
}

static int by_addr(const void *a, const void *b)
{
    uint64_t x = (*(InsnData *const *)a)->addr, y = (*(InsnData *const *)b)->addr;
    return x < y ? -1 : x > y;
}

/* A stable sort by `k`: insertion sort keeps equal elements in order. */
static void stable_sort(int k)
{
    key = k;
    for (size_t i = 1; i < n_insns; i++) {
        InsnData *d = sorted[i];
        size_t j = i;
        while (j > 0 && by_misses(&sorted[j - 1], &d) > 0) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = d;
    }
}

static void append_stats_line(char *line, Cache *d, Cache *i, Cache *l2)
{
    line += sprintf(line, "%-14" PRIu64 " %-12" PRIu64 " %9.4lf%%  %-14" PRIu64 " %-12" PRIu64
                    " %9.4lf%%",
                    d->accesses, d->misses,
                    d->accesses ? (double)d->misses / d->accesses * 100.0 : 0.0, i->accesses,
                    i->misses, i->accesses ? (double)i->misses / i->accesses * 100.0 : 0.0);
    if (l2 && l2->accesses && l2->misses) {
        line += sprintf(line, "  %-12" PRIu64 " %-11" PRIu64 " %10.4lf%%", l2->accesses,
                        l2->misses, (double)l2->misses / l2->accesses * 100.0);
    }
    strcpy(line, "\n");
}

static void log_top(const char *title, int k)
{
    stable_sort(k);
    oracle_outf("address, %s, instruction\n", title);
    for (int i = 0; i < limit && (size_t)i < n_insns; i++) {
        InsnData *d = sorted[i];
        char sym[300] = "";
        if (d->symbol) {
            snprintf(sym, sizeof sym, " (%s)", d->symbol);
        }
        key = k;
        oracle_outf("0x%" PRIx64 "%s, %" PRId64 ", %s\n", d->addr, sym, misses_of(d), d->disas);
    }
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    char line[512];
    qemu_plugin_outs("core #, data accesses, data misses, dmiss rate, insn accesses,"
                     " insn misses, imiss rate");
    qemu_plugin_outs(l2cache ? ", l2 accesses, l2 misses, l2 miss rate\n" : "\n");
    int n = sprintf(line, "%-8d", 0);
    append_stats_line(line + n, dcache, icache, l2cache);
    qemu_plugin_outs(line);
    qemu_plugin_outs("\n");

    sorted = calloc(n_insns + 1, sizeof(InsnData *));
    size_t k = 0;
    for (size_t h = 0; h < insns_cap; h++) {
        if (insns[h]) {
            sorted[k++] = insns[h];
        }
    }
    qsort(sorted, n_insns, sizeof(InsnData *), by_addr);
    log_top("data misses", 0);
    qemu_plugin_outs("\n");
    log_top("fetch misses", 1);
    if (l2cache) {
        qemu_plugin_outs("\n");
        log_top("L2 misses", 2);
    }
}

/* --- entry point ------------------------------------------------------------ */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    int dassoc = 8, dblksize = 64, dsize = 64 * 8 * 32;
    int iassoc = 8, iblksize = 64, isize = 64 * 8 * 32;
    int l2assoc = 16, l2blksize = 64, l2size = 16 * 64 * 2048;
    bool use_l2 = false;
    for (int i = 0; i < argc; i++) {
        char *opt = argv[i];
        OracleArg arg = oracle_arg(opt);
#define IS(k) (strcmp(arg.key, k) == 0)
        if (IS("iblksize")) {
            iblksize = atoi(arg.val);
        } else if (IS("iassoc")) {
            iassoc = atoi(arg.val);
        } else if (IS("icachesize")) {
            isize = atoi(arg.val);
        } else if (IS("dblksize")) {
            dblksize = atoi(arg.val);
        } else if (IS("dassoc")) {
            dassoc = atoi(arg.val);
        } else if (IS("dcachesize")) {
            dsize = atoi(arg.val);
        } else if (IS("limit")) {
            limit = atoi(arg.val);
        } else if (IS("l2cachesize")) {
            use_l2 = true, l2size = atoi(arg.val);
        } else if (IS("l2blksize")) {
            use_l2 = true, l2blksize = atoi(arg.val);
        } else if (IS("l2assoc")) {
            use_l2 = true, l2assoc = atoi(arg.val);
        } else if (IS("l2")) {
            if (!oracle_bool_arg(opt, arg.key, arg.val, &use_l2)) {
                return -1;
            }
        } else if (IS("evict")) {
            if (strcmp(arg.val, "rand") == 0) {
                policy = RAND;
            } else if (strcmp(arg.val, "lru") == 0) {
                policy = LRU;
            } else if (strcmp(arg.val, "fifo") == 0) {
                policy = FIFO;
            } else {
                fprintf(stderr, "invalid eviction policy: %s\n", opt);
                return -1;
            }
        } else {
            return oracle_unknown_arg(opt);
        }
#undef IS
    }
    dcache = cache_init("dcache", dblksize, dassoc, dsize);
    icache = cache_init("icache", iblksize, iassoc, isize);
    l2cache = use_l2 ? cache_init("L2 cache", l2blksize, l2assoc, l2size) : NULL;
    if (!dcache || !icache || (use_l2 && !l2cache)) {
        return -1;
    }
    insns = calloc(insns_cap, sizeof(InsnData *));
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
