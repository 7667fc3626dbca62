"""Writes the invalid-UTF-8 cases of invalid-utf8.test into the folder given."""
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
cases = {
    "ff.soma": "neuron A {\n  state { v = 1 }\n  const τ_m = 1 // µ ".encode() + b"\xff tail\n}\n",
    "overlong.soma": b"const x = 1 \xc0\xaf\n",
    "surrogate.soma": b"const a = 1\nconst \xed\xa0\x80 = 1\n",
    "toohigh.soma": b"const x = \xf4\x90\x80\x80\n",
    "continuation.soma": b"\x80const x = 1\n",
    "truncated.soma": b"const a = 1\nconst b = \xe2\x82",
    "latin1.soma": b"const caf\xe9 = 1\n",
    "valid.soma": "const café = 1\nconst τ_m = 1 // µ and €\n".encode(),
}
for name, data in cases.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
