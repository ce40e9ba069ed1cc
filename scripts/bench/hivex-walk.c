/* The libhivex side of the read benchmark: open, then a full walk reading every key's children,
 * every value and its data; best of N runs. Also times open + one 6-level lookup.
 * Usage: hivex-walk HIVE RUNS */
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t keys, values, bytes;

static void walk(hive_h *h, hive_node_h node) {
    /* An explicit stack, like ours. */
    size_t cap = 1024, n = 0;
    hive_node_h *stack = malloc(cap * sizeof *stack);
    stack[n++] = node;
    while (n) {
        hive_node_h k = stack[--n];
        keys++;
        hive_value_h *vals = hivex_node_values(h, k);
        for (size_t i = 0; vals && vals[i]; i++) {
            hive_type t; size_t len;
            char *d = hivex_value_value(h, vals[i], &t, &len);
            values++; bytes += len;
            free(d);
        }
        free(vals);
        hive_node_h *kids = hivex_node_children(h, k);
        for (size_t i = 0; kids && kids[i]; i++) {
            if (n == cap) { cap *= 2; stack = realloc(stack, cap * sizeof *stack); }
            stack[n++] = kids[i];
        }
        free(kids);
    }
    free(stack);
}

int main(int argc, char **argv) {
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    double best = 1e9, bestOpen = 1e9;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        hive_h *h = hivex_open(argv[1], 0);
        if (!h) { perror("hivex_open"); return 1; }
        hive_node_h k = hivex_root(h);
        const char *path[] = { "Generated", "K03", "K07", "K01", "K09", "K00", "K05" };
        for (int i = 0; i < 7 && k; i++) k = hivex_node_get_child(h, k, path[i]);
        double t1 = now();
        if (!k) { fprintf(stderr, "lookup failed\n"); return 1; }
        keys = values = bytes = 0;
        double t2 = now();
        walk(h, hivex_root(h));
        double t3 = now();
        hivex_close(h);
        if (t1 - t0 < bestOpen) bestOpen = t1 - t0;
        if (t3 - t2 < best) best = t3 - t2;
    }
    printf("hivex open+lookup %.6f s, walk %.6f s, keys %zu, values %zu, data-bytes %zu\n", bestOpen, best, keys, values, bytes);
    return 0;
}
