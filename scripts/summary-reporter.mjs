// A vitest reporter that ends the run with the plain "N passed, N failed, N skipped" line that
// CI systems read; the default reporter still prints everything else.
function walk(tasks, c) {
  for (const t of tasks) {
    if (t.type === "test") {
      const s = t.result?.state;
      if (s === "pass") c.passed++;
      else if (s === "fail") c.failed++;
      else c.skipped++;
    }
    if (t.tasks) walk(t.tasks, c);
  }
}

export default class SummaryReporter {
  onFinished(files = [], errors = []) {
    const c = { passed: 0, failed: 0, skipped: 0 };
    walk(files, c);
    for (const f of files) if (f.result?.state === "fail" && !f.tasks?.length) c.failed++;
    c.failed += errors.length;
    process.stdout.write(`\nvitest: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`);
  }
}
