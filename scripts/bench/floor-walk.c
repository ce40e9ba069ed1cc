/* The floor of the read benchmark: the least a safe walker can do. It maps the hive and walks
 * every key (pre-order, list order), every value and its data, checking each reference only as
 * far as memory safety needs: the offset is inside the hive bins, 8-aligned, the cell is
 * allocated and ends inside its bin (found from the hbin headers). No allocation in the walk, no
 * cell-chain index, no name order or parent checks: what Hivekeeper does on top of this is its
 * cost of validation. Best of N fresh mappings.
 * Usage: floor-walk HIVE RUNS */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static const uint8_t *bins;   /* the hive-bins data (file offset 4096) */
static uint32_t limit;        /* its length */
static uint64_t *binOfPage;   /* per 4 KiB page: (end << 32) | start, 0 = not yet known */

static uint32_t u32(uint32_t at) { uint32_t v; memcpy(&v, bins + at, 4); return v; }
static uint16_t u16(uint32_t at) { uint16_t v; memcpy(&v, bins + at, 2); return v; }

/* Length of the cell data at `o`, or 0 when `o` is not an allocated cell inside a valid bin. */
static uint32_t cell(uint32_t o) {
    if (o >= limit || (o & 7)) return 0;
    uint64_t e = binOfPage[o >> 12];
    if (!e) {
        uint32_t q = o >> 12;
        while (u32(q << 12) != 0x6E696268) { if (!q) return 0; q--; }   /* "hbin" */
        uint32_t start = q << 12, size = u32(start + 8);
        if (u32(start + 4) != start || size < 4096 || (size & 0xFFF) || size > limit - start) return 0;
        e = ((uint64_t)(start + size) << 32) | start;
        for (uint32_t i = q; i < (start + size) >> 12; i++) binOfPage[i] = e;
    }
    if (o < (uint32_t)e + 32) return 0;
    int32_t raw = (int32_t)u32(o);
    if (raw >= 0 || raw == INT32_MIN) return 0;
    uint32_t len = (uint32_t)-raw;
    if ((len & 7) || len < 8 || o + len > (uint32_t)(e >> 32)) return 0;
    return len - 4;
}

static uint32_t stack[1 << 16];

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: floor-walk HIVE [RUNS]\n"); return 2; }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || st.st_size < 8192) { perror(argv[1]); return 1; }
    double best = 1e9;
    uint64_t keys = 0, values = 0, bytes = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        const uint8_t *file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (file == MAP_FAILED) { perror("mmap"); return 1; }
        bins = file + 4096;
        memcpy(&limit, file + 40, 4);
        if (limit > st.st_size - 4096) limit = (st.st_size - 4096) & ~0xFFFu;
        binOfPage = calloc((limit >> 12) + 1, 8);
        keys = values = bytes = 0;
        int sp = 0;
        memcpy(&stack[sp++], file + 36, 4);   /* the root cell */
        while (sp) {
            uint32_t k = stack[--sp], klen = cell(k);
            if (klen < 76 || u16(k + 4) != 0x6B6E) { fprintf(stderr, "bad key 0x%x\n", k); return 1; }
            keys++;
            uint32_t nv = u32(k + 4 + 36);
            if (nv) {
                uint32_t list = u32(k + 4 + 40);
                if (cell(list) < 4 * nv) { fprintf(stderr, "bad value list 0x%x\n", list); return 1; }
                for (uint32_t i = 0; i < nv; i++) {
                    uint32_t v = u32(list + 4 + 4 * i);
                    if (cell(v) < 20 || u16(v + 4) != 0x6B76) { fprintf(stderr, "bad value 0x%x\n", v); return 1; }
                    values++;
                    uint32_t size = u32(v + 8);
                    if (size & 0x80000000u) { bytes += size & 0x7FFFFFFF; continue; }
                    uint32_t dlen = cell(u32(v + 12));
                    bytes += size <= dlen ? size : dlen;
                }
            }
            if (u32(k + 4 + 20)) {
                uint32_t list = u32(k + 4 + 28), llen = cell(list);
                uint32_t n = llen >= 4 ? u16(list + 6) : 0;
                if (llen < 4 + 8 * n || sp + n > sizeof stack / sizeof *stack) { fprintf(stderr, "bad list 0x%x\n", list); return 1; }
                for (uint32_t i = n; i-- > 0;) stack[sp++] = u32(list + 8 + 8 * i);   /* pops in list order */
            }
        }
        double t1 = now();
        free(binOfPage);
        munmap((void *)file, st.st_size);
        if (t1 - t0 < best) best = t1 - t0;
    }
    printf("floor walk %.6f s, keys %llu, values %llu, data-bytes %llu\n", best,
           (unsigned long long)keys, (unsigned long long)values, (unsigned long long)bytes);
    return 0;
}
