"""The system calls a sandbox may not make, as a seccomp program for ``bwrap --seccomp``.

A sandboxed process keeps the namespaces bubblewrap gave it: it may not create new ones
(``unshare``, ``clone`` with a namespace flag, ``setns``), mount or unmount anything, or use
the 32-bit or x32 entry points where the rules below would not apply. Everything else is
allowed. ``clone3`` answers "not implemented", so that the C library falls back to ``clone``,
whose flags the filter can read. Written in classic BPF by hand: a short list of rules needs
no seccomp library.
"""

from __future__ import annotations

import platform
import struct

# Classic BPF opcodes, seccomp return values and offsets into struct seccomp_data.
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW, ERRNO = 0x7FFF0000, 0x00050000
EPERM, ENOSYS = 1, 38
NR, ARCH, ARG0 = 0, 4, 16
CLONE_NEW_ANY = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET

ARCHES = {
    "x86_64": {"audit": 0xC000003E, "x32": 0x40000000, "clone": 56, "clone3": 435,
               "deny": {"unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
                        "pivot_root": 155, "open_tree": 428, "move_mount": 429, "fsopen": 430,
                        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442}},
    "aarch64": {"audit": 0xC00000B7, "x32": None, "clone": 220, "clone3": 435,
                "deny": {"unshare": 97, "setns": 268, "mount": 40, "umount2": 39,
                         "pivot_root": 41, "open_tree": 428, "move_mount": 429, "fsopen": 430,
                         "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442}},
}


def program(machine: str | None = None) -> bytes | None:
    """The filter for this machine's architecture, or None where it has no rules here."""
    arch = ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    # (code, true-target, false-target, k); targets are labels resolved below.
    code: list[tuple] = [(LD_W_ABS, None, None, ARCH),
                         (JEQ_K, "native", "deny", arch["audit"]),
                         ("native",), (LD_W_ABS, None, None, NR)]
    if arch["x32"] is not None:
        code.append((JGE_K, "deny", "next", arch["x32"]))
    for nr in arch["deny"].values():
        code.append((JEQ_K, "deny", "next", nr))
    code += [(JEQ_K, "enosys", "next", arch["clone3"]),
             (JEQ_K, "clone", "allow", arch["clone"]),
             ("clone",), (LD_W_ABS, None, None, ARG0),
             (JSET_K, "deny", "allow", CLONE_NEW_ANY),
             ("allow",), (RET_K, None, None, ALLOW),
             ("deny",), (RET_K, None, None, ERRNO | EPERM),
             ("enosys",), (RET_K, None, None, ERRNO | ENOSYS)]
    labels, instructions = {}, []
    for item in code:
        if len(item) == 1:
            labels[item[0]] = len(instructions)
        else:
            instructions.append(item)
    out = []
    for i, (op, true, false, k) in enumerate(instructions):
        def offset(target):
            return 0 if target in (None, "next") else labels[target] - i - 1
        out.append(struct.pack("=HBBI", op, offset(true), offset(false), k))
    return b"".join(out)
