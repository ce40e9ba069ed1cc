#!/usr/bin/python3
"""Dumps a hive through libhivex (Debian's python3-hivex): the oracle our reader is compared with.

One line per key and per value, in walk order (a key, its values in list order, then each
subkey in list order):
  K <tab> path              path = names joined with "\\" (the root is "")
  V <tab> name <tab> type <tab> hex data
  X <tab> path <tab> what failed     (hivex raised; nothing below is listed)
Names are written as hex of their UTF-8 bytes as hivex returns them, so no character is lost.
Run with /usr/bin/python3: the hivex module is installed for Debian's Python only.
"""
import sys
import hivex

def h(s):
    return s.encode("utf-8", "surrogatepass").hex() if isinstance(s, str) else bytes(s).hex()

def main(path):
    out = sys.stdout
    try:
        hv = hivex.Hivex(path)
        root = hv.root()
    except Exception as e:
        out.write("X\t\topen: %s\n" % e)
        return
    stack = [(root, "")]
    while stack:
        node, p = stack.pop()
        out.write("K\t%s\n" % p)
        try:
            values = hv.node_values(node)
        except Exception as e:
            out.write("X\t%s\tvalues: %s\n" % (p, e))
            values = []
        for v in values:
            try:
                name = h(hv.value_key(v))
                t, data = hv.value_value(v)
                out.write("V\t%s\t%d\t%s\n" % (name, t, bytes(data).hex()))
            except Exception as e:
                out.write("X\t%s\tvalue: %s\n" % (p, e))
        try:
            children = hv.node_children(node)
            names = [h(hv.node_name(c)) for c in children]
        except Exception as e:
            out.write("X\t%s\tchildren: %s\n" % (p, e))
            continue
        for c, n in reversed(list(zip(children, names))):
            stack.append((c, p + "5c" + n if p else n))

if __name__ == "__main__":
    main(sys.argv[1])
