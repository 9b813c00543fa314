// A node:test reporter that writes one JSON line per top-level test that ran: its name, whether it
// passed, and how many extra attempts it needed (vsCodeTest reports each retry as a diagnostic
// "attempt N failed, …"). scripts/run-tests.mjs reads these lines to print the e2e summary, to fail
// a run in which any scenario needed a retry, and to count passes in --repeat runs.
// Node 20 emits a test's diagnostics right after its pass or fail event, so each line is written
// once the next test's result (or the end of the stream) shows that the test's diagnostics are over.
export default async function* resultsReporter(source) {
  let last;
  for await (const event of source) {
    const { type, data } = event;
    if ((type === 'test:pass' || type === 'test:fail') && data.nesting === 0 && !data.skip) {
      if (last) yield `${JSON.stringify(last)}\n`;
      last = { name: data.name, file: data.file, passed: type === 'test:pass' && !data.todo, retries: 0 };
    } else if (type === 'test:diagnostic' && last && /^attempt \d+ failed/.test(data.message)) {
      last.retries++;
    }
  }
  if (last) yield `${JSON.stringify(last)}\n`;
}
