// Shared by the browser tests and benchmarks/web_ensemble.cjs.
'use strict';

// CPU time (ms) used so far by process `root` and its descendants (Chromium's renderer and
// worker processes), from /proc: on a loaded machine the wall time says more about the
// other jobs than about the page. null where there is no /proc.
function cpuMs(root) {
  const fs = require('fs');
  try {
    const procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
      try {
        const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        return { pid: Number(d), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
      } catch { return null; }
    }).filter(Boolean);
    const tree = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; }
    }
    return procs.filter((p) => tree.has(p.pid)).reduce((n, p) => n + p.ticks, 0) * 10;  // USER_HZ = 100
  } catch {
    return null;
  }
}

module.exports = { cpuMs };
