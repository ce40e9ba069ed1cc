#!/usr/bin/python3
"""python3-hivex building the read benchmark's tree (as gen-hive.c does in C), timed.
Usage: hivex-build.py MINIMAL OUT"""
import shutil, struct, sys, time
import hivex

shutil.copyfile(sys.argv[1], sys.argv[2])
t0 = time.monotonic()
h = hivex.Hivex(sys.argv[2], write=True)
gen = h.node_add_child(h.root(), "Generated")
leaves = 0
def grow(parent, depth):
    global leaves
    for i in range(10):
        child = h.node_add_child(parent, "K%02d" % i)
        if depth == 6:
            h.node_set_value(child, {"key": "Index", "t": 4, "value": struct.pack("<I", leaves)})
            leaves += 1
        else:
            grow(child, depth + 1)
grow(gen, 1)
h.commit(sys.argv[2])
print("python3-hivex build+commit %.3f s, %d leaves" % (time.monotonic() - t0, leaves))
