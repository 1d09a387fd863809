#!/usr/bin/python3
# sqlite_reads.py: do SQLite reads in WAL mode ever wait (sleep) while
# another process writes, checkpoints (automatic, PASSIVE, RESTART,
# TRUNCATE) or holds the write lock?  The engine keeps SQLite reads on
# its event loop on this ground (issue 21); a read that slept would show
# as a voluntary context switch of the reading thread during the read.
# One reader process times 8 s of "SELECT ... LIMIT 10" against a writer
# committing 20 rows of 4 KB in a loop (and checkpointing every fifth
# commit in the named mode), with a 2 s busy timeout as the suite's.
# Prints per mode: reads, worst and >5 ms reads (on a shared machine
# mostly preemption), and the reads that slept.  Not a test.
#
# usage: python3 bench/sqlite_reads.py   (a temporary directory, removed)
import sqlite3, time, os, sys, shutil, tempfile, multiprocessing as mp
TMP=tempfile.mkdtemp()
DB=os.path.join(TMP, "reads.db")
def setup():
    db=sqlite3.connect(DB, isolation_level=None); db.execute("PRAGMA journal_mode=WAL"); db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
    for i in range(200): db.execute("INSERT INTO t(v) VALUES (randomblob(1000))")
def writer(stop, mode):
    db=sqlite3.connect(DB, isolation_level=None, timeout=2); db.execute("PRAGMA synchronous=NORMAL")
    n=0
    while not stop.is_set():
        db.execute("BEGIN IMMEDIATE"); 
        for i in range(20): db.execute("INSERT INTO t(v) VALUES (randomblob(4000))")
        db.execute("COMMIT"); n+=1
        if mode and n % 5 == 0: db.execute("PRAGMA wal_checkpoint(%s)" % mode)
def reader(res):
    db=sqlite3.connect(DB, isolation_level=None, timeout=2)
    import resource
    worst=0; slow=0; cnt=0; blocked=0; worstb=0; t_end=time.time()+8
    while time.time()<t_end:
        r0=resource.getrusage(resource.RUSAGE_THREAD)
        t0=time.perf_counter(); db.execute("SELECT id, length(v) FROM t ORDER BY id DESC LIMIT 10").fetchall(); d=time.perf_counter()-t0
        r1=resource.getrusage(resource.RUSAGE_THREAD)
        cnt+=1; worst=max(worst,d); slow+= d>0.005
        if r1.ru_nvcsw>r0.ru_nvcsw: blocked+=1; worstb=max(worstb,d)
    res.put((cnt, worst*1000, slow, blocked, worstb*1000))
if __name__=="__main__":
    for mode in ["none", "", "PASSIVE", "RESTART", "TRUNCATE"]:
        for f in [DB, DB+"-wal", DB+"-shm"]:
            try: os.unlink(f)
            except FileNotFoundError: pass
        setup(); stop=mp.Event(); q=mp.Queue()
        w=mp.Process(target=writer,args=(stop,mode)) if mode!='none' else None
        if w: w.start()
        r=mp.Process(target=reader,args=(q,)); r.start(); r.join(); stop.set()
        if w: w.join()
        print("checkpoint=%s reads=%d worst_ms=%.2f over_5ms=%d reads_that_slept=%d worst_of_those_ms=%.2f" % ((("no writer" if mode=="none" else (mode or "auto")),)+q.get()))
    shutil.rmtree(TMP)
