"""Takes the network away from a query worker: after `forbid_network()`, the process can open no socket but a Unix one.

The query guard reads SPARQL text before the engine does, and any lexer beside the engine's
own parser can miss a spelling the engine accepts (`SERVICE:x` did). So a worker that needs
no network (no federation allow-list, no remote backend) is also locked by the kernel: a
seccomp filter makes `socket()` fail with EACCES for every address family except AF_UNIX,
so a SERVICE, a DNS look-up or any other outbound call the engine tries fails inside the
worker and nothing leaves the machine, whatever the spelling. The worker's answer pipe was
made before the filter and keeps working.

The filter is classic BPF installed with the seccomp(2) system call and TSYNC, so threads the
engine already started (RocksDB's, in disk mode) are covered too. It needs no privilege
(PR_SET_NO_NEW_PRIVS) and is inherited by anything the worker starts.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

# Linux's audit architecture codes and the syscall numbers that matter, per machine.
_ARCHITECTURES = {
    "x86_64": {"audit_arch": 0xC000003E, "socket": 41, "io_uring_setup": 425, "seccomp": 317, "x32_bit": 0x40000000},
    "aarch64": {"audit_arch": 0xC00000B7, "socket": 198, "io_uring_setup": 425, "seccomp": 277, "x32_bit": None},
}
_AF_UNIX = 1
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
# BPF opcodes: load a word at an absolute offset of struct seccomp_data, jump if equal / greater or equal, return.
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
# Offsets in struct seccomp_data: nr, arch, instruction pointer, then args[6] (the low word of args[0] first on little-endian).
_NR, _ARCH, _ARG0_LOW = 0, 4, 16


class SandboxUnavailable(OSError):
    """This kernel or machine cannot take the network away from a process."""


def _instruction(code: int, k: int, jump_true: int = 0, jump_false: int = 0) -> bytes:
    return struct.pack("HBBI", code, jump_true, jump_false, k)


def network_filter(machine: str) -> bytes:
    """Return the BPF program: deny socket() for any family but AF_UNIX, and io_uring (it opens sockets without socket())."""
    numbers = _ARCHITECTURES.get(machine)
    if numbers is None:
        raise SandboxUnavailable(f"no seccomp filter for the {machine} architecture")
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    program = [
        _instruction(_LD_ABS, _ARCH),
        _instruction(_JEQ, numbers["audit_arch"], 1, 0),
        _instruction(_RET, deny),  # a foreign system-call ABI is never used by the engine
        _instruction(_LD_ABS, _NR),
    ]
    if numbers["x32_bit"] is not None:
        program += [_instruction(_JGE, numbers["x32_bit"], 0, 1), _instruction(_RET, deny)]
    program += [
        _instruction(_JEQ, numbers["io_uring_setup"], 0, 1),
        _instruction(_RET, deny),
        _instruction(_JEQ, numbers["socket"], 1, 0),
        _instruction(_RET, _SECCOMP_RET_ALLOW),
        _instruction(_LD_ABS, _ARG0_LOW),
        _instruction(_JEQ, _AF_UNIX, 0, 1),
        _instruction(_RET, _SECCOMP_RET_ALLOW),
        _instruction(_RET, deny),
    ]
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def forbid_network() -> None:
    """Make every later socket() of this process (all its threads) fail unless it is a Unix socket; raises SandboxUnavailable."""
    machine = platform.machine()
    program = network_filter(machine)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {errno.errorcode.get(ctypes.get_errno(), '?')}")
    number = _ARCHITECTURES[machine]["seccomp"]
    if libc.syscall(number, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog)) != 0:
        raise SandboxUnavailable(f"seccomp(SET_MODE_FILTER) failed: {errno.errorcode.get(ctypes.get_errno(), '?')}")
