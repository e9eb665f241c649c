#!/usr/bin/env python3
"""The fault sweep (issue #17, item 3): hostile inputs through every
command that reads them, and misbehaving servers behind every command that
talks to one.

    sweep.py WIRERIG SOURCE_DIR FAULT_SERVER_PY [--quick]

  - scenario files of scenarios/ with seeded byte mutations, through
    `wirerig check` and `wirerig run` (simnet only, two seeds, a small
    exhaustive pass, bounded steps);
  - the small captures of fuzz/corpus/pcap_reader/ with seeded mutations,
    through every `wirerig pcap` subcommand;
  - hostile JSON lines through `wirerig decode --batch`;
  - `wirerig replay` against servers that crash, stall, reset, flood or
    close at once, and against a port nobody listens on; `wirerig run`
    with targets that do the same.

Every case asserts: an exit status of 0, 1 or 2 (no signal, no hang: each
command runs under a timeout), no sanitizer report on its output, no
process left in its process group, and for input it refuses (exit 2) a
message that names the file. Everything is seeded (random.Random(17)), so
a failure names its case and reproduces with the same command.
"""
import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SANITIZER = ("runtime error", "AddressSanitizer", "LeakSanitizer",
             "UndefinedBehaviorSanitizer")


class Sweep:
    def __init__(self, wirerig, tmp):
        self.wirerig = wirerig
        self.tmp = tmp
        self.passes = 0
        self.fails = []

    def bad(self, name, why, out=""):
        self.fails.append(name)
        print(f"FAIL - {name}: {why}")
        for line in out.splitlines()[:12]:
            print(f"    | {line}")

    def run(self, name, args, timeout=30, stdin=None, names=None,
            allowed=(0, 1, 2), cwd=None):
        """Runs wirerig ARGS in its own process group and checks it."""
        cmd = [self.wirerig] + args
        # Output into files, not pipes: a process left behind holding a
        # pipe would look like a hang instead of what it is.
        with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
            p = subprocess.Popen(cmd, stdin=subprocess.PIPE
                                 if stdin is not None else subprocess.DEVNULL,
                                 stdout=fo, stderr=fe,
                                 start_new_session=True, cwd=cwd or self.tmp)
            hung = False
            try:
                p.communicate(stdin, timeout=timeout)
            except subprocess.TimeoutExpired:
                hung = True
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            fo.seek(0)
            fe.seek(0)
            out, err = fo.read(), fe.read()
        if hung:
            self.bad(name, f"no answer within {timeout} s (hang): "
                     + " ".join(cmd), err.decode(errors="replace"))
            return None
        text = (out + err).decode(errors="replace")
        etext = err.decode(errors="replace")
        left = group_alive(p.pid)
        if left:
            os.killpg(p.pid, signal.SIGKILL)
            self.bad(name, "left processes in its group: " + " ".join(cmd))
            return None
        if p.returncode < 0:
            self.bad(name, f"killed by signal {-p.returncode}: "
                     + " ".join(cmd), etext)
            return None
        if p.returncode not in allowed:
            self.bad(name, f"exit {p.returncode}, expected one of {allowed}: "
                     + " ".join(cmd), text)
            return None
        if any(s in text for s in SANITIZER):
            self.bad(name, "sanitizer report: " + " ".join(cmd), text)
            return None
        if p.returncode == 2 and names:
            if not etext.strip() and "BAD" not in text:
                self.bad(name, "refused without a message: " + " ".join(cmd))
                return None
            if not any(n in text for n in names):
                self.bad(name, "the message does not name the file: "
                         + " ".join(cmd), text)
                return None
        self.passes += 1
        return p.returncode, text


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


# ---- mutations -------------------------------------------------------------

SCN_TOKENS = [b"repeat 4294967295 {\n", b"}\n", b"{", b"pattern(268435456)",
              b'"\\x', b"\\", b"\x00", b"\r", b" * 18446744073709551615",
              b"frame(2, ", b"->", b"<->", b" timeout=0", b" seeds 0\n",
              b"$x", b"http {http_request,'GET',", b"net c->s cuts:0\n",
              b"\n" * 3, b"\xff\xfe", b"file(\"/dev/zero\")",
              b"wait 18446744073709551615s\n", b"exhaustive 4294967295\n"]


def mutate_bytes(data, rng, tokens):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:                      # flip a byte
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:                             # insert random bytes
            data[pos:pos] = bytes(rng.randrange(256)
                                  for _ in range(rng.randint(1, 8)))
        elif op == 2 and data:                    # delete a span
            del data[pos:pos + rng.randint(1, 16)]
        elif op == 3 and data:                    # duplicate a span
            span = data[pos:pos + rng.randint(1, 64)]
            data[pos:pos] = span * rng.randint(1, 3)
        elif op == 4 and tokens:                  # an interesting token
            data[pos:pos] = rng.choice(tokens)
        elif op == 5 and len(data) > 4:           # a 32-bit field set wild
            at = rng.randrange(len(data) - 3)
            data[at:at + 4] = rng.choice(
                [b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff",
                 b"\x00\x01\x00\x00", b"\xff\xff\x00\x00"])
    return bytes(data)


def sweep_scenarios(sw, src, rng, quick):
    files = sorted(glob.glob(os.path.join(src, "scenarios", "**", "*.scn"),
                             recursive=True))
    files = [f for f in files if not f.endswith(".shrunk.scn")]
    picked = rng.sample(files, min(len(files), 12 if quick else 20))
    d = os.path.join(sw.tmp, "scn")
    os.makedirs(d, exist_ok=True)
    k = 0
    for f in picked:
        with open(f, "rb") as fh:
            data = fh.read()
        for m in range(2):
            k += 1
            name = f"mut{k:03d}-{os.path.basename(f)}"
            path = os.path.join(d, name)
            with open(path, "wb") as fh:
                fh.write(mutate_bytes(data, rng, SCN_TOKENS))
            what = f"scenario {name} (from {os.path.relpath(f, src)})"
            sw.run(f"check {what}", ["check", path], names=[name])
            sw.run(f"run {what}",
                   ["run", path, "--transport", "sim", "--seeds", "2",
                    "--exhaustive-limit", "4", "--max-schedules", "8",
                    "--no-shrink", "--max-steps", "200000",
                    "--max-total-steps", "2000000", "--max-mailbox", "16",
                    "--max-queue", "16"],
                   timeout=60, names=[name])


def sweep_pcaps(sw, src, rng, quick):
    caps = sorted(glob.glob(os.path.join(src, "fuzz", "corpus", "pcap_reader",
                                         "seed-*")))
    caps = [c for c in caps if os.path.getsize(c) < 65536]
    if quick:
        caps = caps[:6]
    d = os.path.join(sw.tmp, "pcap")
    os.makedirs(d, exist_ok=True)
    k = 0
    for c in caps:
        with open(c, "rb") as fh:
            data = fh.read()
        for m in range(3):  # the original once, two mutants
            k += 1
            name = f"cap{k:03d}{os.path.splitext(c)[1]}"
            path = os.path.join(d, name)
            with open(path, "wb") as fh:
                fh.write(data if m == 0 else mutate_bytes(data, rng, []))
            what = f"{name} (from {os.path.basename(c)}, mutant {m})"
            out = os.path.join(d, f"out{k:03d}")
            for args in (["flows", path], ["flows", path, "--json"],
                         ["extract", path, "--out", out + "-x"],
                         ["decode", path, "--packet", "2"],
                         ["decode", path, "--packet", "http", "--json"],
                         ["to-corpus", path, "--packet", "2", "--out", out + "-c"],
                         ["to-scenario", path, "--flow", "1", "--out",
                          out + ".scn"]):
                sw.run(f"pcap {args[0]} {what}", ["pcap"] + args,
                       names=[name])


def sweep_json(sw, rng):
    lines = [
        b"not json", b"[1,2", b"{", b"}", b'""', b"null", b"[]", b"{}",
        b"[" * 100000 + b"]" * 100000,
        b'{"packet":' * 5000 + b"1" + b"}" * 5000,
        b'{"packet":"2","input":"' + b"A" * 1000000 + b'"}',
        b'{"packet":"2","input":"\\u0000\\ud800"}',
        b'{"packet":"2","input":"\xff\xfe\xfd"}',
        b'{"packet":2e400,"input":""}',
        b'{"packet":"4","input":"\\u0000\\u0000\\u0000\\u0010abc",'
        b'"packet_size":-1}',
        b'{"packet":"line","input":"ab","line_length":18446744073709551616}',
        b'{"packet":"http","input":"GET / HTTP/1.1\\r\\n","packet":"raw"}',
        b'{"packet":"2","input":"AA","line_delimiter":"\\u0100"}',
        b"\x00\x00\x00", b" " * 70000, b"\t{\"packet\":\"raw\",\"input\":\"x\"}",
    ]
    for i in range(20):
        s = bytearray(rng.choice(lines[:8] + lines[13:]))
        s[rng.randrange(len(s) + 1):0] = bytes([rng.randrange(256)])
        lines.append(bytes(s).replace(b"\n", b" "))
    sw.run("decode --batch: hostile JSON lines", ["decode", "--batch"],
           stdin=b"\n".join(lines) + b"\n", timeout=60)
    for i, ln in enumerate(lines[:20]):
        sw.run(f"decode --batch: hostile line {i}", ["decode", "--batch"],
               stdin=ln, timeout=30)


# ---- servers that misbehave -----------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(server, mode):
    port = free_port()
    p = subprocess.Popen([sys.executable, server, mode, str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    line = p.stdout.readline()
    if b"ready" not in line:
        stop_server(p)
        return None, port
    return p, port


def stop_server(p):
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait()


def sweep_servers(sw, src, server):
    cap = os.path.join(src, "fuzz", "corpus", "pcap_reader", "seed-basic.pcap")
    for mode in ("segv", "exit3", "stall", "rst", "close", "flood", "echo"):
        p, port = start_server(server, mode)
        if p is None:
            sw.bad(f"replay vs {mode}", "the fault server did not start")
            continue
        sw.run(f"replay against a server that does {mode}",
               ["replay", cap, "--to", f"127.0.0.1:{port}", "--timeout",
                "2s", "--timing", "fast"], timeout=60)
        stop_server(p)
    port = free_port()
    sw.run("replay to a port nobody listens on",
           ["replay", cap, "--to", f"127.0.0.1:{port}", "--timeout", "2s"],
           timeout=30)
    d = os.path.join(sw.tmp, "targets")
    os.makedirs(d, exist_ok=True)
    for mode in ("segv", "exit3", "stall", "rst", "close", "flood"):
        path = os.path.join(d, f"target-{mode}.scn")
        with open(path, "w") as fh:
            fh.write(f'scenario "a target that does {mode}"\n'
                     "transports loopback\n"
                     f'target t start "exec {sys.executable} {server} {mode} '
                     '{port}" ready="ready"\n'
                     "c connect t active=false\n"
                     'c send "x"\n'
                     "c recv 1 timeout=30s -> \"x\"\n"
                     "c close\n")
        r = sw.run(f"run with a target that does {mode}",
                   ["run", path, "--timeout", "5", "--no-shrink",
                    "--max-mailbox", "8"], timeout=60,
                   allowed=(0, 1) if mode == "flood" else (1,))
        if r and mode != "flood" and "ERROR" not in r[1] and \
                "FAIL" not in r[1]:
            sw.bad(f"run with a target that does {mode}", "no verdict", r[1])
        if r and mode in ("segv", "exit3", "stall") and "ERROR" not in r[1]:
            sw.bad(f"run with a target that does {mode}",
                   "the harness's cause was not an ERROR", r[1])
    port = free_port()
    path = os.path.join(d, "target-absent.scn")
    with open(path, "w") as fh:
        fh.write("transports loopback\n"
                 f"target t at 127.0.0.1:{port}\n"
                 "c connect t\n")
    sw.run("run with a target nobody listens for", ["run", path], timeout=60,
           allowed=(1,))
    # Nothing a target started is left.
    time.sleep(0.2)
    left = subprocess.run(["pgrep", "-f", f"{server} [a-z0-9]+ [0-9]+$"],
                          stdout=subprocess.PIPE).stdout.split()
    if left:
        sw.bad("targets stopped", "fault servers left running: "
               + b" ".join(left).decode())
        for pid in left:
            os.kill(int(pid), signal.SIGKILL)
    else:
        sw.passes += 1


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: sweep.py WIRERIG SOURCE_DIR FAULT_SERVER_PY [--quick]")
    wirerig = os.path.abspath(sys.argv[1])
    src = os.path.abspath(sys.argv[2])
    server = os.path.abspath(sys.argv[3])
    quick = "--quick" in sys.argv[4:]
    rng = random.Random(17)
    with tempfile.TemporaryDirectory(prefix="wirerig-sweep.") as tmp:
        # A copy of the fault server under this run's own path: the check
        # that nothing is left running looks for that path, and so never
        # counts the servers of another test running at the same time
        # (test_faults_honest uses the same script).
        own = os.path.join(tmp, "fault_server.py")
        shutil.copyfile(server, own)
        server = own
        sw = Sweep(wirerig, tmp)
        t0 = time.monotonic()
        for part in (lambda: sweep_scenarios(sw, src, rng, quick),
                     lambda: sweep_pcaps(sw, src, rng, quick),
                     lambda: sweep_json(sw, rng),
                     lambda: sweep_servers(sw, src, server)):
            part()
        print(f"# {sw.passes} passed, {len(sw.fails)} failed "
              f"({time.monotonic() - t0:.0f} s)")
    sys.exit(1 if sw.fails else 0)


if __name__ == "__main__":
    main()
