/*
 * hotpages: QEMU 7.2's contrib/plugins/hotpages.c, rewritten without glib, as the oracle for
 * plugins/hotpages.ts.
 *
 * Usage: qemu-riscv32 -plugin hotpages.so[,sortby=reads|writes|address][,io=on|off]
 *        [,pagesize=N] -d plugin -D LOG prog
 * Prints "Addr, RCPUs, Reads, WCPUs, Writes" and up to 50 pages, most accessed first (ties in no
 * particular order), never the last one of the sorted list and none when only one page was
 * touched, as 7.2 does. User mode has no hardware address, so pages are virtual and io=on
 * counts nothing. An unknown argument is an error naming it.
 */
#include "oracle_util.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_PAGES 65536

enum sort_type { SORT_RW = 0, SORT_R, SORT_W, SORT_A };

typedef struct {
    uint64_t page_address;
    int cpu_read;
    int cpu_write;
    uint64_t reads;
    uint64_t writes;
} PageCounters;

static uint64_t page_size = 4096;
static uint64_t page_mask;
static const int limit = 50;
static bool track_io;
static const OracleFlag flags[] = {{"io", &track_io}};
static int sort_by = SORT_RW;
static PageCounters pages[MAX_PAGES];
static int n_pages;

static int cmp_access_count(const void *a, const void *b)
{
    const PageCounters *ea = a, *eb = b;
    switch (sort_by) {
    case SORT_RW:
        return (ea->reads + ea->writes) > (eb->reads + eb->writes) ? -1 : 1;
    case SORT_R:
        return ea->reads > eb->reads ? -1 : 1;
    case SORT_W:
        return ea->writes > eb->writes ? -1 : 1;
    default:
        return ea->page_address > eb->page_address ? -1 : 1;
    }
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    (void)id, (void)p;
    oracle_outf("Addr, RCPUs, Reads, WCPUs, Writes\n");
    if (n_pages > 1) {
        qsort(pages, n_pages, sizeof pages[0], cmp_access_count);
        for (int i = 0; i < limit && i + 1 < n_pages; i++) {
            PageCounters *rec = &pages[i];
            oracle_outf("0x%016" PRIx64 ", 0x%04x, %" PRId64 ", 0x%04x, %" PRId64 "\n",
                        rec->page_address, rec->cpu_read, rec->reads, rec->cpu_write,
                        rec->writes);
        }
    }
}

static void vcpu_haddr(unsigned int cpu_index, qemu_plugin_meminfo_t meminfo, uint64_t vaddr,
                       void *udata)
{
    struct qemu_plugin_hwaddr *hwaddr = qemu_plugin_get_hwaddr(meminfo, vaddr);
    uint64_t page;
    PageCounters *count = NULL;
    (void)udata;

    if (track_io) {
        if (hwaddr && qemu_plugin_hwaddr_is_io(hwaddr)) {
            page = vaddr;
        } else {
            return;
        }
    } else {
        if (hwaddr && !qemu_plugin_hwaddr_is_io(hwaddr)) {
            page = qemu_plugin_hwaddr_phys_addr(hwaddr);
        } else {
            page = vaddr;
        }
    }
    page &= ~page_mask;

    for (int i = 0; i < n_pages; i++) {
        if (pages[i].page_address == page) {
            count = &pages[i];
            break;
        }
    }
    if (!count) {
        if (n_pages == MAX_PAGES) {
            return;
        }
        count = &pages[n_pages++];
        count->page_address = page;
    }
    if (qemu_plugin_mem_is_store(meminfo)) {
        count->writes++;
        count->cpu_write |= (1 << cpu_index);
    } else {
        count->reads++;
        count->cpu_read |= (1 << cpu_index);
    }
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        qemu_plugin_register_vcpu_mem_cb(insn, vcpu_haddr, QEMU_PLUGIN_CB_NO_REGS,
                                         QEMU_PLUGIN_MEM_RW, NULL);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        OracleArg arg = oracle_arg(argv[i]);
        if (!strcmp(arg.key, "sortby")) {
            if (!strcmp(arg.val, "reads")) {
                sort_by = SORT_R;
            } else if (!strcmp(arg.val, "writes")) {
                sort_by = SORT_W;
            } else if (!strcmp(arg.val, "address")) {
                sort_by = SORT_A;
            } else {
                fprintf(stderr, "invalid value to sortby: %s\n", arg.val);
                return -1;
            }
        } else if (!strcmp(arg.key, "pagesize")) {
            page_size = strtoull(arg.val, NULL, 10);
        } else if (oracle_flag_arg(argv[i], flags, ORACLE_N_FLAGS(flags))) {
            return -1;
        }
    }
    page_mask = page_size - 1;
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
