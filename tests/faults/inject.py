#!/usr/bin/env python3
"""Fault injection at every system call of ftpcfg (tests/faults/10-inject.sh runs it).

Scenarios: apply on an empty host (first), a change (change), a no-op
(noop), rollback, and the recovery itself (an apply that finds the journal
of a run killed after its commit).  The system calls of a clean run of
each are counted by name (strace -o); then each occurrence N of each call
C is, in turn, stopped with SIGKILL, failed with EIO (every call that can
fail; the memory and process-identity calls, which the kernel never fails
with an errno glibc would check, get only the kill), and, when C writes,
creates, renames, removes or sends, failed with ENOSPC and EROFS:
strace -e inject=C:signal=KILL:when=N, -e inject=C:error=E:when=N.

After each, the next run (apply --check, which first puts back what an
interrupted run journaled) must leave the host wholly the old or the new
site (ruleset, every file under the root with its mode and owner, the
names in the state directory), a run that said it applied the new one, a
run that failed without saying its journal stays the old one at once;
diff of that site exits 0 and status exits 0, names that site, no drift;
no temporary file anywhere; no warning but the recovery's own, and that
only after a run that left a journal; no crash and no hang.

Modes: count DIR (phase 1, inside unshare -n -m), work DIR W N (phase 2,
worker W of N, inside its own unshare -n -m), report DIR.
"""
import hashlib
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import time

SCENARIOS = ["first", "change", "noop", "rollback", "recovery"]
KINDS = ["kill", "EIO", "ENOSPC", "EROFS"]
# Calls that change something on disk or in the kernel: also ENOSPC and EROFS.
WRITE_SIDE = set("""openat open creat write pwrite64 writev fsync fdatasync rename renameat
renameat2 unlink unlinkat mkdir mkdirat rmdir fchmod fchmodat fchown fchownat ftruncate linkat
symlinkat sendto sendmsg""".split())
# Calls the kernel never fails with an errno glibc checks (memory, identity,
# exit): an injected EIO there breaks glibc itself, not ftpcfg; killed only.
NO_ERRNO = set("""brk mmap munmap mprotect madvise mremap futex rseq set_robust_list
set_tid_address arch_prctl prlimit64 getpid gettid getuid geteuid getgid getegid getppid
exit_group exit restart_syscall rt_sigreturn""".split())
RECOVERY_WARNING = ("ftpcfg: warning: an earlier run was interrupted; putting back the files "
                    "and ruleset it had journaled")
TIMEOUT = 60

FTPCFG = os.environ["FTPCFG_PLAIN"]
COUNTER = re.compile(r"counter packets \d+ bytes \d+")


class Failure(Exception):
    pass


class Host:
    """One namespace's view: a tmpfs with the root and TMPDIR."""

    def __init__(self, tmp, work):
        self.tmp = tmp
        self.work = work
        os.makedirs(work, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "ftpcfg-faults", work],
                       check=True)
        self.root = os.path.join(work, "root")
        self.state = os.path.join(self.root, "var/lib/ftpcfg")
        self.tmpdir = os.path.join(work, "tmp")
        os.makedirs(self.tmpdir)
        os.environ["TMPDIR"] = self.tmpdir
        self.when = None
        self.at_start = None
        self.start = None
        self.states = {}

    def ftpcfg(self, *args):
        return [FTPCFG, "--root", self.root, *args]

    def run(self, argv):
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return 124, "", "timed out"
        # Killed by a signal (strace dies by the tracee's): as the shell says it, 128 + N.
        return (p.returncode if p.returncode >= 0 else 128 - p.returncode), p.stdout, p.stderr

    def ok(self, *args):
        rc, out, err = self.run(self.ftpcfg(*args))
        if rc != 0:
            raise Failure(f"setup: ftpcfg {' '.join(args)} exited {rc}: {out}{err}")

    def site(self, name):
        return os.path.join(self.tmp, name + ".xml")

    def empty(self):
        subprocess.run(["nft", "flush", "ruleset"], check=True)
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(os.path.join(self.root, "etc"))
        os.makedirs(os.path.join(self.root, "var/lib"))

    def reset(self, s):
        """The host as it is before scenario @s's command."""
        self.at_start = None
        self.empty()
        if s in ("change", "noop", "rollback", "recovery"):
            self.ok("apply", self.site("a"))
        if s == "rollback":
            self.ok("apply", self.site("b"))
        if s == "recovery":
            # Killed at the rename that puts the new record in place: files
            # written, batch committed, servers reloaded, the record not yet
            # replaced.
            self.run(["strace", "-o", "/dev/null", "-e", "trace=renameat", "-e",
                      f"inject=renameat:signal=KILL:when={self.when}",
                      *self.ftpcfg("apply", self.site("b"))])
            if not os.path.isfile(os.path.join(self.state, "journal")):
                raise Failure("setup: the killed apply left no journal")

    def snapshot(self):
        """The ruleset, every file under the root but the state directory
        (type, mode, owner, hash), the names in the state directory (its
        lock aside), and whatever is in TMPDIR."""
        lines = [COUNTER.sub("counter", subprocess.run(["nft", "list", "ruleset"], check=True,
                                                        capture_output=True, text=True).stdout)]
        for top, dirs, files in os.walk(self.root):
            if top == self.state:
                dirs[:] = []
                lines += sorted(f"state {n}" for n in files + dirs
                                if n != "lock" and not UNJUDGED.match(n))
                continue
            dirs.sort()
            for n in sorted(files):
                p = os.path.join(top, n)
                st = os.lstat(p)
                line = f"{stat.filemode(st.st_mode)} {st.st_uid}:{st.st_gid} {os.path.relpath(p, self.root)}"
                if stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        line += " " + hashlib.sha256(f.read()).hexdigest()
                lines.append(line)
        lines += sorted(f"tmp {n}" for n in os.listdir(self.tmpdir))
        return "\n".join(lines) + "\n"

    def fingerprint(self):
        """The ruleset generation (every commit moves it), the inode, size,
        mtime and ctime of every entry under the root (directories and the
        state directory's lock too: a run that wrote, renamed, removed or
        changed anything moves one) and what is in TMPDIR."""
        lines = [f"genid {genid()}"] + sorted(os.listdir(self.tmpdir))
        for top, dirs, files in os.walk(self.root):
            dirs.sort()
            for n in [top] + [os.path.join(top, f) for f in sorted(files)]:
                st = os.lstat(n)
                lines.append(f"{n} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}")
        return "\n".join(lines)

    def journal_left(self):
        return os.path.lexists(os.path.join(self.state, "journal"))


def genid():
    """The nf_tables ruleset generation, asked of the kernel (NFT_MSG_GETGEN)."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12) as sk:  # NETLINK_NETFILTER
        # nlmsghdr (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN, NLM_F_REQUEST), nfgenmsg
        sk.send(struct.pack("=IHHII", 20, (10 << 8) | 16, 1, 1, 0) + struct.pack("=BBH", 0, 0, 0))
        data = sk.recv(65536)
    length, kind = struct.unpack_from("=IH", data)
    if kind == 2:  # NLMSG_ERROR
        raise Failure(f"NFT_MSG_GETGEN: error {struct.unpack_from('=i', data, 16)[0]}")
    off = 20
    while off + 4 <= length:
        alen, atype = struct.unpack_from("=HH", data, off)
        if atype & 0x3fff == 1:  # NFTA_GEN_ID
            return struct.unpack_from(">I", data, off + 4)[0]
        off += (alen + 3) & ~3
    raise Failure("NFT_MSG_GETGEN: no generation in the answer")


def command_of(h, s):
    return {"first": ["apply", h.site("a")], "noop": ["apply", h.site("a")],
            "change": ["apply", h.site("b")], "recovery": ["apply", h.site("b")],
            "rollback": ["rollback"]}[s]


OLD = {"first": "none", "change": "a", "noop": "a", "rollback": "b", "recovery": "a"}
NEW = {"first": "a", "change": "b", "noop": "a", "rollback": "a", "recovery": "b"}
CALL = re.compile(r"^([a-z_0-9]+)\(")
# Names in the state directory that say nothing of old or new: the
# generations history keeps (gen.N: how many depends on the runs before),
# the ruleset files the record, the last journal and the generations name
# (rs.HEX: which ones depends on the runs before, and the name on the
# directory; one the record names but that is missing or damaged makes
# status exit 1), and the originals (a failed first apply may leave them noted; an entry
# for a file the record does not list is replaced by the next apply that
# takes the file over, as tests/netns/70-remove.sh checks).
UNJUDGED = re.compile(r"^(gen\.[0-9]+|rs\.[0-9a-f]{64}|origins)$")


def count(tmp):
    h = Host(tmp, os.path.join(tmp, "count"))
    h.empty()
    h.ok("apply", h.site("a"))
    trace = os.path.join(tmp, "b.trace")
    rc, out, err = h.run(["strace", "-o", trace, "-e", "trace=renameat",
                          *h.ftpcfg("apply", h.site("b"))])
    if rc != 0:
        raise Failure(f"setup: apply b exited {rc}: {err}")
    renames = [line for line in open(trace) if line.startswith("renameat(")]
    record = [i + 1 for i, line in enumerate(renames) if re.search(r', "record"\)', line)]
    if len(record) != 1:
        raise Failure(f"setup: apply b renamed the record {len(record)} times:\n{''.join(renames)}")
    h.when = record[0]
    with open(os.path.join(tmp, "recovery.when"), "w") as f:
        f.write(f"{h.when}\n")
    states = {}
    points = []
    for s in SCENARIOS:
        h.reset(s)
        if s == "first":
            states["none"] = h.snapshot()
        trace = os.path.join(tmp, s + ".trace")
        rc, out, err = h.run(["strace", "-o", trace, *h.ftpcfg(*command_of(h, s))])
        if rc != 0:
            raise Failure(f"{s}: the clean run exited {rc}: {out}{err}")
        want = RECOVERY_WARNING + "\n" if s == "recovery" else ""
        if err != want:
            raise Failure(f"{s}: the clean run printed to stderr: {err}")
        snap = h.snapshot()
        states.setdefault(NEW[s], snap)
        if states[NEW[s]] != snap:
            raise Failure(f"{s}: a clean run left another state of site {NEW[s]} than the "
                          f"others:\n{states[NEW[s]]}\n{snap}")
        calls = {}
        for line in open(trace):
            m = CALL.match(line)
            if m:
                calls[m.group(1)] = calls.get(m.group(1), 0) + 1
        # The first execve is strace starting the process, not a call it makes.
        calls["execve"] = calls.get("execve", 1) - 1
        for c in sorted(calls):
            for i in range(1, calls[c] + 1):
                points.append((s, "kill", c, i))
                if c not in NO_ERRNO:
                    points.append((s, "EIO", c, i))
                if c in WRITE_SIDE:
                    points.append((s, "ENOSPC", c, i))
                    points.append((s, "EROFS", c, i))
        with open(os.path.join(tmp, s + ".calls"), "w") as f:
            f.write(f"{sum(calls.values())}\n")
    for k, v in states.items():
        with open(os.path.join(tmp, "state." + k), "w") as f:
            f.write(v)
    # The control: the next run and its checks on each untouched start state
    # (what every injection that touched nothing would meet).
    h.states = states
    for s in SCENARIOS:
        h.reset(s)
        try:
            verify(h, s, "EIO", 1, "")
        except Failure as e:
            raise Failure(f"{s}: the control run on the untouched start state: {e}")
    with open(os.path.join(tmp, "points"), "w") as f:
        for p in points:
            f.write(" ".join(map(str, p)) + "\n")


def which(h, snap):
    for k in ("none", "a", "b"):
        if snap == h.states[k]:
            return k
    return None


def differ(h, want, got):
    import difflib
    return "".join(l for l in difflib.unified_diff(h.states[want].splitlines(True),
                                                   got.splitlines(True), "want " + want, "got")
                   if l[0] in "+-")


FALSE_WHEN_UNTOUCHED = re.compile(r"(were|was|been) put back|could not put back|journal stays|"
                                  r"^Applied|^Rolled back", re.M)


def inject_one(h, s, kind, call, n):
    """None when the point passed, 'unreached' when the run never made that
    call (calls that wait on a child vary in number), else raises Failure."""
    if h.at_start != s:
        h.reset(s)
        h.start = h.fingerprint()
        h.at_start = s
    h.at_start = None
    spec = (f"inject={call}:signal=KILL:when={n}" if kind == "kill"
            else f"inject={call}:error={kind}:when={n}")
    st = os.path.join(h.work, "st")
    rc, out, err = h.run(["strace", "-o", st, "-e", "trace=" + call, "-e", spec,
                          *h.ftpcfg(*command_of(h, s))])
    with open(st, errors="replace") as f:
        trace = f.read()
    if rc == 124:
        raise Failure("the run hung")
    injected = "INJECTED" in trace or "killed by SIGKILL" in trace
    if rc >= 128 and not (injected and kind == "kill" and rc == 137):
        raise Failure(f"the run died with exit {rc}: {err}")
    if not injected and rc != 0:
        raise Failure(f"exit {rc} without an injection: {err}")
    if h.fingerprint() == h.start:
        # Nothing was touched: the next run meets the very state the control
        # run (phase 1) checked.  The run must not claim otherwise.
        h.at_start = s
        if not injected:
            return "unreached"
        if rc == 0 and s != "noop":
            raise Failure(f"exit 0, yet nothing changed: {out}{err}")
        if FALSE_WHEN_UNTOUCHED.search(out + err):
            raise Failure(f"nothing was touched, yet the run says: {out}{err}")
        return None
    if not injected:
        return "unreached"
    verify(h, s, kind, rc, err)
    return None


def verify(h, s, kind, rc, err):
    """After a run (exit @rc, stderr @err) of scenario @s: the next run and what it leaves."""
    old, new = OLD[s], NEW[s]
    # A failure changed nothing, or says that its journal stays for the next run.
    # Only the report was lost: the message says the work stands.
    lost_report = "cannot write to standard output; the " in err and "stands" in err
    if kind != "kill" and rc != 0 and s != "recovery" and not lost_report:
        snap = h.snapshot()
        if which(h, snap) != old and not (h.journal_left() and "the journal stays" in err):
            raise Failure(f"exit {rc}, yet the host is not the old site and no journal is "
                          f"said to stay: {err}" + differ(h, old, snap))
    journal = h.journal_left()
    nrc, nout, nerr = h.run(h.ftpcfg("apply", "--check", h.site(new)))
    if nrc not in (0, 2):
        raise Failure(f"the next run exited {nrc}: {nerr}\n(the faulted run, exit {rc}: {err})")
    rest = [l for l in nerr.splitlines() if l != RECOVERY_WARNING]
    if rest:
        raise Failure(f"the next run said more than the recovery: {nerr}")
    if nerr and not journal:
        raise Failure("a recovery warning with no journal to recover")
    snap = h.snapshot()
    got = which(h, snap)
    if got not in (old, new):
        raise Failure(f"the host is neither the old nor the new site (exit {rc}: {err})\n"
                      + differ(h, new, snap))
    if (rc == 0 or lost_report) and got != new:
        raise Failure(f"the run exited 0, yet the host went back to the old site: {err}")
    if lost_report and got != new:
        raise Failure(f"the run says its work stands, yet the host is the old site: {err}")
    if kind != "kill" and rc != 0 and got != old and s != "recovery" and not lost_report:
        raise Failure(f"the run failed (exit {rc}), yet the host is the new site: {err}")
    if got == "none":
        return
    drc, dout, derr = h.run(h.ftpcfg("diff", h.site(got)))
    if drc != 0 or derr:
        raise Failure(f"diff of site {got} exited {drc}: {dout}{derr}")
    src, sout, serr = h.run(h.ftpcfg("status"))
    if (src != 0 or serr or "\nDrift: none" not in sout or f"site {h.site(got)} (" not in sout
            or re.search(r": (changed since the last apply|missing|unreadable)$", sout, re.M)):
        raise Failure(f"status (exit {src}) does not say site {got} with no drift: {sout}{serr}")


def work(tmp, w, nw):
    h = Host(tmp, os.path.join(tmp, f"w{w}"))
    h.when = int(open(os.path.join(tmp, "recovery.when")).read())
    h.states = {k: open(os.path.join(tmp, "state." + k)).read() for k in ("none", "a", "b")}
    points = [l.split() for l in open(os.path.join(tmp, "points"))]
    with open(os.path.join(tmp, f"result.{w}"), "w") as res:
        for i, (s, kind, call, n) in enumerate(points):
            if i % nw != w:
                continue
            try:
                r = inject_one(h, s, kind, call, int(n)) or "pass"
                res.write(f"{r} {s} {kind} {call} {n}\n")
            except Failure as e:
                res.write(f"fail {s} {kind} {call} {n}: {e}\n".replace("\n", "\n    ").rstrip() + "\n")
            res.flush()


def report(tmp, seconds):
    rows = []
    for name in sorted(os.listdir(tmp)):
        if name.startswith("result."):
            rows += [l.rstrip("\n") for l in open(os.path.join(tmp, name))]
    total = sum(1 for _ in open(os.path.join(tmp, "points")))
    res = [r for r in rows if not r.startswith("    ")]
    print("injection points: the system calls of a clean run; kill and EIO at each "
          "(kill only at memory and identity calls), ENOSPC and EROFS at the write-side ones")
    for s in SCENARIOS:
        calls = open(os.path.join(tmp, s + ".calls")).read().strip()
        per = []
        for k in KINDS:
            mine = [r for r in res if r.split()[1:3] == [s, k]]
            per.append(f"{k} {sum(1 for r in mine if r.startswith('pass'))}/{len(mine)}")
        print(f"  {s:9} {calls:>4} calls: " + ", ".join(per) + " passed")
    passed = sum(1 for r in res if r.startswith("pass"))
    unreached = sum(1 for r in res if r.startswith("unreached"))
    failed = [r for r in rows if not r.startswith(("pass", "unreached"))]
    for r in failed:
        print("FAIL:", r)
    missing = total - len(res)
    print(f"injections: {passed} passed, {sum(1 for r in res if r.startswith('fail'))} failed, "
          f"{unreached} not reached (calls that wait on a child vary in number), "
          f"{missing} not run; {total} points in {seconds} s")
    return 0 if not failed and missing == 0 and unreached * 50 <= total else 1


if __name__ == "__main__":
    mode, tmp = sys.argv[1], sys.argv[2]
    try:
        if mode == "count":
            count(tmp)
        elif mode == "work":
            work(tmp, int(sys.argv[3]), int(sys.argv[4]))
        elif mode == "one":
            # One point, for a failure's reproduction: one DIR SCENARIO KIND CALL N.
            h = Host(tmp, os.path.join(tmp, "one"))
            h.when = int(open(os.path.join(tmp, "recovery.when")).read())
            h.states = {k: open(os.path.join(tmp, "state." + k)).read() for k in ("none", "a", "b")}
            print(inject_one(h, sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])) or "pass")
        else:
            sys.exit(report(tmp, int(sys.argv[3])))
    except Failure as e:
        print(f"FAIL: {e}")
        sys.exit(1)
