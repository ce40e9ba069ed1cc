/* Builds the benchmark hive with libhivex: under \Generated, keys K00..K09 with fan-out 10 and
 * depth 6 (1,111,112 keys with the root), each leaf with one REG_DWORD "Index".
 * Usage: gen-hive MINIMAL OUT   (MINIMAL: hivex's images/minimal, copied first by the caller) */
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hive_h *h;
static unsigned leaves;

static void grow(hive_node_h parent, int depth) {
    for (int i = 0; i < 10; i++) {
        char name[8];
        snprintf(name, sizeof name, "K%02d", i);
        hive_node_h child = hivex_node_add_child(h, parent, name);
        if (!child) { perror("hivex_node_add_child"); exit(1); }
        if (depth == 6) {
            unsigned v = leaves++;
            hive_set_value value = { .key = "Index", .t = hive_t_REG_DWORD, .len = 4, .value = (char *)&v };
            if (hivex_node_set_value(h, child, &value, 0)) { perror("hivex_node_set_value"); exit(1); }
        } else {
            grow(child, depth + 1);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: gen-hive HIVE OUT\n"); return 2; }
    h = hivex_open(argv[1], HIVEX_OPEN_WRITE);
    if (!h) { perror("hivex_open"); return 1; }
    hive_node_h gen = hivex_node_add_child(h, hivex_root(h), "Generated");
    grow(gen, 1);
    if (hivex_commit(h, argv[2], 0)) { perror("hivex_commit"); return 1; }
    hivex_close(h);
    printf("generated %u leaves\n", leaves);
    return 0;
}
