const mods = process.argv.slice(2);
const mb = (n) => (n / 1048576).toFixed(1);
globalThis.gc?.();
let prev = process.memoryUsage();
console.log('base', mb(prev.rss), mb(prev.heapUsed));
for (const m of mods) {
  const t = performance.now();
  await import(m);
  globalThis.gc?.();
  const now = process.memoryUsage();
  console.log(m.padEnd(50), 'rss +', mb(now.rss - prev.rss).padStart(6), 'heap +', mb(now.heapUsed - prev.heapUsed).padStart(6), 'ext+', mb(now.external+now.arrayBuffers - prev.external-prev.arrayBuffers), (performance.now() - t).toFixed(0), 'ms');
  prev = now;
}
console.log('total rss', mb(prev.rss), 'heap', mb(prev.heapUsed));
