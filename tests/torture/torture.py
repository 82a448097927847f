#!/usr/bin/python3
"""Crash torture for ecod: load on many connections, SIGKILL, restart, check.

Run by tests/integration/t-torture.sh (short) and make torture (long) in an
instance that script prepared: counsellor "ana" and auditor "au" enrolled
(keys and passphrase files in DIR), booking 1 on slot 1 holds every note,
and the other slots are free. Each round:

  load   booker connections BOOK, CANCEL, RESCHEDULE and STATUS at random
         over the raw protocol; two note writers run `ecoctl note write`;
         an auditor runs `ecoctl audit verify`, pinning the head it saw;
  kill   SIGKILL at a random moment, then the database is copied and
         PRAGMA integrity_check run on the copy (sqlite3 CLI);
  check  restart; every acknowledged operation is there (a code returned
         shows its booking in STATUS, a cancel acknowledged shows
         cancelled, a note id returned opens byte for byte); nothing is half
         there (every booking has its audit entry and every entry its
         booking, in the state it says; no slot both free and booked, no
         slot booked twice); `ecoctl audit verify` passes from the head
         pinned before the kill.

An operation whose reply was lost to the kill is indeterminate: the check
reads what became of it and the model follows. An ERR other than the
expected ones (a slot taken) before the kill is a failure. Output is
TAP-like ("ok - ..." / "not ok - ...") with "# figures: ..." at the end;
exit 0 if everything held.
"""
import argparse
import base64
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time


def split_fields(line):
    """Splits a protocol line into fields (docs/PROTOCOL.md quoting)."""
    out, i, n = [], 0, len(line)
    while i < n:
        if line[i] == ' ':
            i += 1
            continue
        if line[i] == '"':
            i += 1
            buf = []
            while i < n and line[i] != '"':
                if line[i] == '\\' and i + 1 < n and line[i + 1] in '"\\':
                    i += 1
                buf.append(line[i])
                i += 1
            i += 1
            out.append(''.join(buf))
        else:
            j = line.find(' ', i)
            j = n if j < 0 else j
            out.append(line[i:j])
            i = j
    return out



def new_token():
    """32 random bytes in base64: a lookup token, or a case key, for
    BOOK-NEW (from the system, not the seeded rng: two bookers must never
    make the same one)."""
    return base64.b64encode(os.urandom(32)).decode()

class Conn:
    """One protocol connection; request() returns (data lines, final)."""

    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.f = self.s.makefile('rb')
        _, final = self.request('HELLO 1')
        if not final.startswith('OK'):
            raise ConnectionError('HELLO: ' + final)

    def request(self, line):
        self.s.sendall(line.encode() + b'\n')
        data = []
        while True:
            raw = self.f.readline()
            if not raw:
                raise ConnectionError('closed')
            text = raw.decode().rstrip('\r\n')
            if text.startswith('* '):
                data.append(split_fields(text[2:]))
            else:
                return data, text

    def close(self):
        try:
            self.f.close()
            self.s.close()
        except OSError:
            pass


class Torture:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.lock = threading.Lock()
        self.failures = []
        self.figures = dict(rounds=0, kills=0, acked_book=0, acked_cancel=0,
                            acked_resched=0, acked_note=0, indeterminate=0,
                            checked_codes=0, checked_notes=0,
                            checked_bookings=0, audit_verified=0,
                            integrity_ok=0, requests=0, restart_ms_max=0,
                            faults_injected=0, fault_refusals=0,
                            audit_reads=0)
        self.logsize = 1
        self.windows = []       # (on, off) times of the faults
        # code -> {'slot': id or set of candidate ids, 'state': ...}
        self.codes = {}
        self.notes = {}         # note id -> bytes written
        self.note_unacked = 0   # note writes whose outcome is unknown
        self.proc = None
        self.slot_start = {}
        self.log = open(os.path.join(a.dir, 'torture-ecod.log'), 'ab')

    # -- the daemon ------------------------------------------------------
    def fail(self, what):
        with self.lock:
            self.failures.append(what)
        print('# FAIL: ' + what, flush=True)

    def start(self):
        t0 = time.monotonic()
        env = dict(os.environ)
        if self.a.shim:
            env.update(LD_PRELOAD=self.a.shim, ECO_FAULT_CTL=self.a.fault_ctl,
                       ECO_FAULT_PATH=os.path.dirname(self.a.db) + '/',
                       ECO_FAULT_LOG=self.a.fault_log)
            env['ASAN_OPTIONS'] = (env.get('ASAN_OPTIONS', '') +
                                   ':verify_asan_link_order=0').lstrip(':')
        self.proc = subprocess.Popen([self.a.ecod, '-c', self.a.conf],
                                     stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=env)
        deadline = t0 + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                c = Conn(self.a.sock, timeout=5)
                _, final = c.request('PING')
                c.close()
                if final == 'OK PONG':
                    ms = int((time.monotonic() - t0) * 1000)
                    self.figures['restart_ms_max'] = max(
                        self.figures['restart_ms_max'], ms)
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.figures['kills'] += 1

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            rc = self.proc.wait()
            self.proc = None
            return rc
        return 0

    def ctl(self, who, args, stdin=None, timeout=120):
        env = dict(os.environ)
        env['ECO_KEY'] = os.path.join(self.a.dir, who + '.key')
        env['ECO_PASSPHRASE_FILE'] = os.path.join(self.a.dir, who + '.pass')
        env['ECO_AUDIT_STATE'] = os.path.join(self.a.dir, 'audit-state')
        try:
            p = subprocess.run([self.a.ecoctl, '-s', self.a.sock] + args,
                               input=stdin, capture_output=True, env=env,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return 124, b'', b'timeout'
        return p.returncode, p.stdout, p.stderr

    # -- the load --------------------------------------------------------
    def booker(self, rng, stop, killed_at, mine):
        try:
            c = Conn(self.a.sock)
        except OSError:
            return
        slots = [s for s in self.slot_start if s != 1]
        while not stop.is_set():
            op = rng.random()
            live = [k for k in mine if self.codes[k]['state'] == 'booked'
                    and isinstance(self.codes[k]['slot'], int)]
            if op < 0.5 or not live:
                slot = rng.choice(slots)
                # A new case: a code's lookup token (random here: the
                # daemon sees only tokens) is what finds it from now on.
                code = new_token()
                line, kind = 'BOOK-NEW %d %s %s' % (
                    slot, code, new_token()), 'book'
            elif op < 0.75:
                code = rng.choice(live)
                line, kind = 'CANCEL ' + code, 'cancel'
            elif op < 0.87:
                code = rng.choice(live)
                slot = rng.choice(slots)
                line, kind = 'RESCHEDULE %s %d' % (code, slot), 'resched'
            else:
                code = rng.choice(live)
                line, kind = 'STATUS ' + code, 'status'
            began = time.monotonic()
            try:
                data, final = c.request(line)
            except socket.timeout:
                self.fail('%s: no reply in 30 s: the daemon hangs%s' % (
                    kind, self.fault_note()))
                return
            except OSError:
                # The reply was lost: the outcome is for the check to see.
                with self.lock:
                    self.figures['indeterminate'] += 1
                    if kind == 'cancel':
                        self.codes[code]['state'] = '?cancel'
                    elif kind == 'resched':
                        self.codes[code]['slot'] = {
                            self.codes[code]['slot'], slot}
                return
            with self.lock:
                self.figures['requests'] += 1
            if final.startswith('OK'):
                with self.lock:
                    if kind == 'book':
                        self.codes[code] = {'slot': slot, 'state': 'booked'}
                        mine.append(code)
                        self.figures['acked_book'] += 1
                    elif kind == 'cancel':
                        self.codes[code]['state'] = 'cancelled'
                        self.figures['acked_cancel'] += 1
                    elif kind == 'resched':
                        self.codes[code]['slot'] = slot
                        self.figures['acked_resched'] += 1
                    else:
                        self.status_matches(code, data, 'live')
            elif kind in ('book', 'resched') and final.startswith('ERR taken'):
                pass
            elif kind == 'resched' and final.startswith('ERR notfound'):
                pass    # the slot drawn is this case's own
            elif self.in_fault(final, began):
                pass
            elif killed_at[0] is None:
                self.fail('%s answered %s before any kill%s' % (
                    kind, final, self.fault_note()))
        c.close()

    def in_fault(self, text, began):
        """True if text is a storage error of a call that overlapped a
        fault window (grace: 0.5 s after the fault cleared)."""
        if 'storage failure' not in text:
            return False
        ended = time.monotonic()
        for on, off in self.windows:
            if on <= ended and (off is None or began <= off + 0.5):
                with self.lock:
                    self.figures['fault_refusals'] += 1
                return True
        return False

    def fault_note(self):
        if self.windows and self.windows[-1][1] is not None:
            return ' (%.1f s after the fault cleared: no recovery)' % (
                time.monotonic() - self.windows[-1][1])
        return ''

    def status_matches(self, code, data, when):
        """Checks STATUS lines against the model; resolves unknowns."""
        m = self.codes[code]
        cands = m['slot'] if isinstance(m['slot'], set) else {m['slot']}
        states = {(r[0], r[4]) for r in data if len(r) >= 5}
        booked = [r for r in data if len(r) >= 5 and r[4] == 'booked']
        if len(booked) > 1:
            self.fail('%s: a case with two upcoming bookings' % when)
        want = ('cancelled',) if m['state'] == 'cancelled' else \
            ('booked',) if m['state'] == 'booked' else ('booked', 'cancelled')
        for slot in cands:
            for st in want:
                if (self.slot_start[slot], st) in states:
                    m['slot'], m['state'] = slot, st
                    return True
        self.fail('%s: an acknowledged booking is not as acknowledged '
                  '(want %s on one of %d slots)' % (when, '/'.join(want),
                                                    len(cands)))
        return False

    def note_writer(self, rng, stop, killed_at, n):
        while not stop.is_set():
            began = time.monotonic()
            body = ('torture note %d %d\n' % (n, rng.getrandbits(64))).encode()
            body += os.urandom(rng.randrange(0, 3000))
            rc, out, err = self.ctl('ana', ['note', 'write', '1'],
                                    stdin=body)
            if rc == 0:
                with self.lock:
                    self.notes[int(out.decode().strip())] = body
                    self.figures['acked_note'] += 1
            else:
                with self.lock:
                    if killed_at[0] is None or began < killed_at[0]:
                        self.note_unacked += 1
                msg = err.decode(errors='replace').strip()
                if self.in_fault(msg, began):
                    continue
                if killed_at[0] is None and self.proc is not None and \
                        self.proc.poll() is None:
                    self.fail('note write failed before any kill: %s%s' %
                              (msg, self.fault_note()))
                return

    def auditor(self, stop, killed_at):
        while not stop.is_set():
            began = time.monotonic()
            rc, out, err = self.ctl('au', ['audit', 'verify'])
            if rc == 0:
                with self.lock:
                    self.figures['audit_verified'] += 1
            elif self.in_fault(err.decode(errors='replace'), began):
                continue
            elif killed_at[0] is None and self.proc is not None and \
                    self.proc.poll() is None:
                self.fail('audit verify failed before any kill: %s' %
                          err.decode(errors='replace').strip())
                return
            else:
                return

    def log_reader(self, stop, killed_at):
        """Reads the newest audit entries, as an auditor's tool would."""
        while not stop.is_set():
            began = time.monotonic()
            rc, out, err = self.ctl('au', ['audit', 'log', '--since',
                                           str(max(1, self.logsize - 200))])
            if rc == 0:
                lines = out.decode().splitlines()
                with self.lock:
                    self.figures['audit_reads'] += 1
                if lines:
                    self.logsize = int(lines[-1].split('\t')[0])
            elif self.in_fault(err.decode(errors='replace'), began):
                continue
            elif killed_at[0] is None and self.proc is not None and \
                    self.proc.poll() is None:
                self.fail('audit log failed before any kill: %s' %
                          err.decode(errors='replace').strip())
                return
            else:
                return

    def load_round(self, fault=None):
        notes0 = self.figures['acked_note']
        stop = threading.Event()
        killed_at = [None]
        threads = []
        for i in range(self.a.bookers):
            rng = random.Random(self.rng.getrandbits(64))
            mine = [k for k in self.codes if k != self.pinned and
                    hash(k) % self.a.bookers == i]
            threads.append(threading.Thread(
                target=self.booker, args=(rng, stop, killed_at, mine)))
        for i in range(self.a.writers):
            rng = random.Random(self.rng.getrandbits(64))
            threads.append(threading.Thread(
                target=self.note_writer, args=(rng, stop, killed_at, i)))
        threads.append(threading.Thread(target=self.auditor,
                                        args=(stop, killed_at)))
        threads.append(threading.Thread(target=self.log_reader,
                                        args=(stop, killed_at)))
        for t in threads:
            t.daemon = True
            t.start()
        if fault is None:
            # A random moment, but not before a note of this round is
            # acknowledged (their Argon2 unlock is slow), so that the
            # notes are tested too.
            time.sleep(self.rng.uniform(self.a.kill_min, self.a.kill_max))
            deadline = time.monotonic() + 15
            while self.figures['acked_note'] == notes0 and \
                    self.a.writers > 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(self.rng.uniform(0, 0.5))
            killed_at[0] = time.monotonic()
            self.kill()
            stop.set()
            for t in threads:
                t.join()
            return
        # A fault comes and goes under load; the daemon must refuse
        # clearly while it lasts and serve again once it is gone.
        time.sleep(self.rng.uniform(0.3, 0.8))
        self.windows.append((time.monotonic(), None))
        self.fault(fault, True)
        time.sleep(self.rng.uniform(0.5, 1.0))
        self.fault(fault, False)
        self.windows[-1] = (self.windows[-1][0], time.monotonic())
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join()

    def fault(self, mode, on):
        """Starts or ends a fault: a disk made full by a filler file, or
        the shim's control file (faultshim.c)."""
        if mode == 'full':
            if on:
                fd = os.open(self.a.filler, os.O_WRONLY | os.O_CREAT, 0o600)
                try:
                    while os.write(fd, b'\0' * 65536) > 0:
                        pass
                except OSError:
                    pass        # ENOSPC: the disk is full
                os.close(fd)
            else:
                os.unlink(self.a.filler)
        elif on:
            with open(self.a.fault_ctl, 'w') as f:
                f.write(mode.replace('-', ' ') + '\n')
        elif os.path.exists(self.a.fault_ctl):
            os.unlink(self.a.fault_ctl)
        if on:
            self.figures['faults_injected'] += 1

    # -- the check -------------------------------------------------------
    def integrity(self, rnd):
        copy = os.path.join(self.a.dir, 'copy')
        shutil.rmtree(copy, ignore_errors=True)
        os.mkdir(copy)
        db = self.a.db
        for suffix in ('', '-wal'):
            if os.path.exists(db + suffix):
                shutil.copy(db + suffix, os.path.join(copy, 'c.db' + suffix))
        p = subprocess.run(['sqlite3', os.path.join(copy, 'c.db'),
                            'PRAGMA integrity_check;'],
                           capture_output=True, timeout=120)
        out = p.stdout.decode().strip()
        if p.returncode == 0 and out == 'ok':
            self.figures['integrity_ok'] += 1
        else:
            self.fail('round %d: integrity_check: %s %s' % (
                rnd, out, p.stderr.decode().strip()))
        shutil.rmtree(copy, ignore_errors=True)

    def check(self, rnd, when):
        t0 = time.monotonic()
        try:
            self.check1(rnd, when)
        finally:
            ms = int((time.monotonic() - t0) * 1000)
            self.figures['check_ms_max'] = max(
                self.figures.get('check_ms_max', 0), ms)

    def check1(self, rnd, when):
        results = {}

        def run(name, who, args):
            results[name] = self.ctl(who, args)
        fresh = [n for n in self.notes if n not in self.checked]
        sample = fresh + self.rng.sample(sorted(self.checked),
                                         min(1, len(self.checked)))
        jobs = [threading.Thread(target=run, args=a) for a in (
            ('verify', 'au', ['audit', 'verify']),
            ('log', 'au', ['audit', 'log']),
            ('agenda', 'ana', ['agenda']),
            ('notes', 'ana', ['note', 'list'])) + tuple(
                ('open %d' % n, 'ana', ['note', 'open', str(n)])
                for n in sample)]
        for j in jobs:
            j.start()
        # Every code acknowledged: its booking, as acknowledged.
        c = Conn(self.a.sock)
        old = [k for k in self.codes if k in self.seen]
        new = [k for k in self.codes if k not in self.seen]
        if self.a.check_sample and len(old) > self.a.check_sample:
            old = self.rng.sample(old, self.a.check_sample)
        for code in new + old:
            self.seen.add(code)
            data, final = c.request('STATUS ' + code)
            if not final.startswith('OK'):
                self.fail('%s: STATUS of an acknowledged code: %s' % (
                    when, final))
                continue
            self.status_matches(code, data, when)
            self.figures['checked_codes'] += 1
        free = {int(r[0]) for r in c.request('SLOTS')[0]}
        stats = {r[0]: int(r[1]) for r in c.request('STATS')[0]}
        c.close()
        for j in jobs:
            j.join()

        rc, out, err = results['verify']
        if rc != 0:
            self.fail('%s: audit verify from the pinned head: %s' % (
                when, err.decode(errors='replace').strip()))
        else:
            self.figures['audit_verified'] += 1

        # Bookings and audit entries: each with the other, same state.
        rc, out, err = results['log']
        entries = {}
        for line in out.decode().splitlines():
            f = line.split('\t')
            if len(f) == 6:
                entries.setdefault(f[4], []).append(f[3])
        rc2, out2, _ = results['agenda']
        if rc != 0 or rc2 != 0:
            self.fail('%s: audit log or agenda failed' % when)
            return
        booked_at = {}
        agenda = [l.split('\t') for l in out2.decode().splitlines()]
        start_slot = {v: k for k, v in self.slot_start.items()}
        nres = 0
        for b in agenda:
            bid, start, state = b[0], b[1].replace(' ', 'T'), b[5]
            acts = entries.get('booking:' + bid, [])
            self.figures['checked_bookings'] += 1
            if not ('book' in acts or 'reschedule' in acts):
                self.fail('%s: booking %s has no audit entry' % (when, bid))
            if state == 'cancelled' and 'cancel' not in acts:
                self.fail('%s: booking %s cancelled with no entry' % (
                    when, bid))
            if state == 'booked' and 'cancel' in acts:
                self.fail('%s: booking %s: cancel logged, still booked' % (
                    when, bid))
            if state == 'rescheduled':
                nres += 1
            if state == 'booked':
                slot = start_slot.get(start, start)
                if slot in booked_at:
                    self.fail('%s: slot %s booked twice' % (when, slot))
                booked_at[slot] = bid
                if slot in free:
                    self.fail('%s: slot %s free and booked' % (when, slot))
        ids = {'booking:' + b[0] for b in agenda}
        for obj in entries:
            if obj.startswith('booking:') and obj not in ids:
                self.fail('%s: audit names %s, which is not there' % (
                    when, obj))
        nlogged = sum(v.count('reschedule') for v in entries.values())
        if nres != nlogged:
            self.fail('%s: %d rescheduled bookings, %d entries' % (
                when, nres, nlogged))
        nbook = sum(v.count('book') for v in entries.values())
        if stats.get('rows_cases') != nbook:
            self.fail('%s: %s case rows, %d book entries (a case without '
                      'its booking?)' % (when, stats.get('rows_cases'), nbook))
        if stats.get('rows_bookings') != len(agenda):
            self.fail('%s: %s booking rows, agenda shows %d' % (
                when, stats.get('rows_bookings'), len(agenda)))
        for slot in self.slot_start:
            if slot not in free and slot not in booked_at:
                self.fail('%s: slot %d neither free nor booked' % (
                    when, slot))

        # Notes: every id acknowledged opens byte for byte; every note
        # listed was acknowledged or was in flight at a kill.
        rc, out, err = results['notes']
        listed = {int(l.split('\t')[0]) for l in out.decode().splitlines()}
        logged = {int(o.split(':')[1]) for o, v in entries.items()
                  if o.startswith('note:')}
        for nid in self.notes:
            if nid not in listed:
                self.fail('%s: acknowledged note %d is not listed' % (
                    when, nid))
        unknown = listed - set(self.notes) - self.notes_before
        if len(unknown) > self.note_unacked:
            self.fail('%s: %d notes listed that nobody wrote' % (
                when, len(unknown) - self.note_unacked))
        self.note_unacked = len(unknown)
        for nid in sample:
            rc, out, err = results['open %d' % nid]
            if rc != 0 or out != self.notes[nid]:
                self.fail('%s: note %d does not open byte for byte' % (
                    when, nid))
            self.checked.add(nid)
            self.figures['checked_notes'] += 1
        if listed != logged:
            self.fail('%s: %d notes listed, %d note-write entries' % (
                when, len(listed), len(logged)))

    def run(self):
        t0 = time.monotonic()
        if not self.start():
            print('not ok - the daemon starts')
            return 1
        c = Conn(self.a.sock)
        for r in c.request('SLOTS')[0]:
            self.slot_start[int(r[0])] = r[1].replace(' ', 'T')
        c.close()
        c = Conn(self.a.sock)
        pinned = new_token()
        data, final = c.request('BOOK-NEW 1 %s %s' % (
            pinned, new_token()))
        c.close()
        if final != 'OK':
            print('not ok - booking 1, which holds the notes: ' + final)
            return 1
        self.pinned = pinned
        rc, out, _ = self.ctl('ana', ['note', 'list'])
        self.notes_before = {int(l.split('\t')[0])
                             for l in out.decode().splitlines()}
        self.codes[self.pinned] = {'slot': 1, 'state': 'booked'}
        self.checked = set()
        self.seen = set()       # codes checked after a restart once
        rnd = 0
        while True:
            rnd += 1
            elapsed = time.monotonic() - t0
            if rnd > self.a.min_rounds and (
                    (self.a.rounds and rnd > self.a.rounds) or
                    (self.a.seconds and elapsed > self.a.seconds)):
                break
            modes = self.a.faults.split(',') if self.a.faults else []
            mode = modes[(rnd - 1) % len(modes)] if modes else None
            self.load_round(mode)
            if mode is not None:
                self.check(rnd, 'round %d (%s, live)' % (rnd, mode))
                self.kill()
            self.integrity(rnd)
            if not self.start():
                self.fail('round %d: the daemon does not restart: the '
                          'acknowledged state cannot be checked' % rnd)
                os.system('tail -5 ' + self.log.name + ' | sed "s/^/# /"')
                break
            self.check(rnd, 'round %d%s' % (
                rnd, ' (%s, restarted)' % mode if mode else ''))
            self.figures['rounds'] = rnd
            if self.failures and not self.a.keep_going:
                break
        rc = self.stop()
        self.figures['seconds'] = int(time.monotonic() - t0)
        f = self.figures
        acked = f['acked_book'] + f['acked_cancel'] + f['acked_resched'] + \
            f['acked_note']
        res = lambda ok, name: print(('ok - ' if ok else 'not ok - ') + name)
        res(f['rounds'] > 0 and not self.failures,
            '%d rounds, %d SIGKILLs survived' % (f['rounds'], f['kills']))
        res(f['rounds'] > 0 and
            not any('acknowledged' in x for x in self.failures),
            'every acknowledged operation is there (%d acked: %d bookings, '
            '%d cancels, %d reschedules, %d notes)' % (
                acked, f['acked_book'], f['acked_cancel'],
                f['acked_resched'], f['acked_note']))
        res(f['rounds'] > 0 and not any('entry' in x or 'twice' in x or 'free and' in x or
                    'neither' in x or 'entries' in x or 'rows' in x or
                    'nobody' in x or 'note-write' in x for x in self.failures),
            'nothing is half there (%d booking checks over %d rounds)' % (
                f['checked_bookings'], f['rounds']))
        res(f['integrity_ok'] == f['kills'],
            'integrity_check ok after each of %d kills' % f['kills'])
        res(f['rounds'] > 0 and
            not any('audit verify' in x for x in self.failures),
            'audit verify passes from the pinned head after each restart '
            '(%d verifications)' % f['audit_verified'])
        res(not any('before any kill' in x or 'hangs' in x
                    for x in self.failures),
            'no unexpected error while the daemon ran')
        if self.a.faults:
            res(f['faults_injected'] > 0 and f['fault_refusals'] > 0 and
                not any('recovery' in x for x in self.failures),
                '%d faults injected, %d clear storage refusals, service '
                'back each time without a restart' % (
                    f['faults_injected'], f['fault_refusals']))
        res(rc == 0, 'the daemon stops cleanly at the end')
        print('# figures: ' + ' '.join('%s=%s' % kv for kv in
                                      sorted(f.items())), flush=True)
        return 0 if not self.failures and rc == 0 else 1


def run_all(a):
    """Runs the torture; on an exception, the daemon is killed and the
    failure reported, so that nothing is left running."""
    t = Torture(a)
    try:
        return t.run()
    except Exception as e:
        print('not ok - the torture ran to its end: %r' % e, flush=True)
        if t.proc is not None:
            t.proc.kill()
            t.proc.wait()
        return 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--ecod', required=True)
    p.add_argument('--ecoctl', required=True)
    p.add_argument('--conf', required=True)
    p.add_argument('--sock', required=True)
    p.add_argument('--db', required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--seconds', type=float, default=30)
    p.add_argument('--rounds', type=int, default=0)
    p.add_argument('--min-rounds', type=int, default=2)
    p.add_argument('--check-sample', type=int, default=0,
                   help='check every code acknowledged since the last '
                   'check and this many older ones (0: all)')
    p.add_argument('--bookers', type=int, default=8)
    p.add_argument('--writers', type=int, default=2)
    p.add_argument('--kill-min', type=float, default=0.3)
    p.add_argument('--kill-max', type=float, default=2.5)
    p.add_argument('--seed', type=int, default=int(time.time()))
    p.add_argument('--keep-going', action='store_true')
    p.add_argument('--faults', default='',
                   help='comma list: full, EIO-write, EIO-sync, '
                   'ENOSPC-write, EIO-all; one a round, in turn')
    p.add_argument('--shim', default='')
    p.add_argument('--fault-ctl', default='')
    p.add_argument('--fault-log', default='')
    p.add_argument('--filler', default='')
    a = p.parse_args()
    print('# torture: seed %d' % a.seed, flush=True)
    sys.exit(run_all(a))


if __name__ == '__main__':
    main()
