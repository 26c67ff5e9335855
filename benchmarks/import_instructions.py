"""Instructions counted by valgrind (callgrind) for importing the corpus, against bare
mistune parsing it: what each process computes, whatever else the machine is running.

Run: python benchmarks/import_instructions.py   (needs valgrind: apt install valgrind)

On a machine whose cores other work keeps busy, wall time says what the machine gave and
even CPU time grows when two processes share caches with others. Instruction counts
repeat for the same code and input. The import is counted in one process, and with two
(the writer, which parses its share and stores, and one forked worker), each process on
its own: with two free cores the slower of the two bounds the import. Counts leave out
what waits rather than computes (a commit's fsync) and the kernel's work (a fork's
copy-on-write faults), so they complement run.py and never replace it. Each figure is
the count of a run minus that of a run that only starts, imports, reads the files, opens
the store and warms every cache (one unmeasured import and parse). Nothing is asserted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import sys, tempfile
from pathlib import Path
import mistune
from incidentlog import IncidentLog
from incidentlog.importer import import_paths
mode, corpus = sys.argv[1], Path(sys.argv[2])
files = [f for f in sorted(corpus.rglob("*.md")) if f.name != "README.md"]
texts = [f.read_bytes() for f in files]
parse = mistune.create_markdown(renderer=None, plugins=["table", "task_lists"])
tmp = Path(tempfile.mkdtemp())
folder = tmp / "reports"
folder.mkdir()
for n, data in enumerate(texts):
    (folder / f"r{n:03d}.md").write_bytes(data)
with IncidentLog(f"sqlite:///{tmp}/warm.db") as log:  # every cache warm, as in run.py
    import_paths(log, [folder], batch=100, workers=1)
[parse(t.decode()) for t in texts]
log = IncidentLog(f"sqlite:///{tmp}/import.db")
if mode == "bare":
    [parse(t.decode()) for t in texts]
elif mode in ("1", "2"):
    import os
    os.kill = lambda pid, sig: None  # a worker ends by itself, so valgrind reports its count
    assert import_paths(log, [folder], batch=100, workers=int(mode)).count("imported") == \\
        len(texts)
log.close()
import os
os._exit(0)  # no interpreter shutdown, as a worker ends: the counts differ by the work only
"""


def count(mode: str, corpus: Path) -> list[int]:
    """Instructions callgrind counts for one run: this process's, then each forked one's."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         "-c", _CHILD, mode, str(corpus)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"})
    pids = re.findall(r"==(\d+)== Collected : (\d+)", done.stderr)
    if not pids:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    first = min(int(pid) for pid, _ in pids)  # the run's own process starts first
    return sorted((int(n) for pid, n in pids if int(pid) == first)) + \
        [int(n) for pid, n in pids if int(pid) != first]


def main() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt install valgrind)")
    corpus = ROOT.parent / "shared" / "corpus"
    if not corpus.exists():
        corpus = ROOT / "examples" / "reports"
    base = count("none", corpus)[0]
    bare = count("bare", corpus)[0] - base
    one = count("1", corpus)[0] - base
    writer, *workers = count("2", corpus)
    writer -= base
    worker = max(workers) - base  # a worker's count starts with what it inherited
    print(f"instructions (millions), the corpus ({corpus}), callgrind\n")
    print(f"{'bare mistune, 1 process':<44} {bare / 1e6:>10.1f}")
    print(f"{'import, 1 process':<44} {one / 1e6:>10.1f} {bare / one:>6.2f}x")
    print(f"{'import, 2 processes: the writer':<44} {writer / 1e6:>10.1f}")
    print(f"{'                     the worker':<44} {worker / 1e6:>10.1f} "
          f"{bare / max(writer, worker):>6.2f}x  (bare over the larger: two free cores)")


if __name__ == "__main__":
    main()
