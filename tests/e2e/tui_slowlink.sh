#!/bin/sh
# tui_slowlink.sh — over a slow link (a pty whose reader takes 2 KB/s, issue 12) the TUI backs
# its frame rate off instead of living inside write(): q, pressed after 15 s of blocked output
# (the first paint of ~10 KB takes 5 s to drain at that rate; the old pace stayed blocked),
# ends the program within 1 s.
: "${LORASCOPE:?}"
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipping"; exit 77; }
python3 - "$LORASCOPE" <<'PY'
import os, pty, sys, time
lor = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    os.environ.pop("NO_COLOR", None)
    os.execv("/bin/sh", ["sh", "-c", 'stty rows 40 cols 120; exec "$0" --m 64 --n 64 --speed 0',
                         lor])
RATE = 2048          # bytes a second
TICK = 0.05
def drain(seconds):  # read at RATE for seconds; False once the program is gone
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(TICK)
        try:
            if not os.read(fd, int(RATE * TICK)):
                return False
        except OSError:
            return False
    return True
drain(15)
t0 = time.time()
os.write(fd, b"q")
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.time() - t0 > 10:
        os.kill(pid, 9)
        print("FAIL: still running 10 s after q")
        sys.exit(1)
    drain(TICK)
took = time.time() - t0
code = os.waitstatus_to_exitcode(status)
print("q took %.2f s at 2 KB/s; exit %d" % (took, code))
sys.exit(0 if took < 1.0 and code == 0 else 1)
PY
