// The sharp (libvips) version of the job: resize to half, JPEG q75 or PNG, one thread.
//
// Usage: node sharp_resize.js INPUT OUTPUT jpeg|png   (sharp found through NODE_PATH)
// Prints {"ms": <wall time from reading the header to the saved file>, "cpu_ms": <process CPU
// time over the same span, every thread>} so Node start-up and loading libvips are not counted
// against sharp.
'use strict';

const sharp = require('sharp');

sharp.concurrency(1);
sharp.cache(false);

async function main() {
  const [src, out, fmt] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const { width, height } = await sharp(src).metadata();
  let pipeline = sharp(src).resize(Math.ceil(width / 2), Math.ceil(height / 2));
  pipeline = fmt === 'jpeg' ? pipeline.jpeg({ quality: 75 }) : pipeline.png();
  await pipeline.toFile(out);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(JSON.stringify({ ms, cpu_ms: cpuMs }) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
