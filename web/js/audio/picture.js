// The picture of a recording: waveform over spectrogram on one canvas, with clipped regions (red),
// silences (grey) and the band limit (quality.cutoff_hz, a dashed line) marked. Returns what it marked,
// so the page can say it in words too (a canvas is not read by screen readers).
import { spectrogram } from "./fft.js";

const WAVE_HEIGHT = 120;
const SPECTRUM_HEIGHT = 220;
const FRAME_S = 0.02;
const MIN_SILENCE_S = 0.3;

export function findClipped(samples, sampleRate, level) {
  const threshold = Math.min(level ?? 0.99, 0.999) - 1e-4;
  const regions = [];
  const gap = Math.round(0.01 * sampleRate);
  for (let i = 0; i < samples.length; i += 1) {
    if (Math.abs(samples[i]) < threshold) continue;
    const last = regions[regions.length - 1];
    if (last && i - last.end <= gap) last.end = i;
    else regions.push({ start: i, end: i });
  }
  return regions.filter((r) => r.end > r.start).map((r) => ({ start_s: r.start / sampleRate, end_s: (r.end + 1) / sampleRate }));
}

export function findSilences(samples, sampleRate, noiseFloorDbfs) {
  const threshold = noiseFloorDbfs !== null && noiseFloorDbfs !== undefined ? Math.max(noiseFloorDbfs + 8, -70) : -45;
  const frame = Math.max(1, Math.round(FRAME_S * sampleRate));
  const silences = [];
  let runStart = null;
  for (let start = 0; start < samples.length; start += frame) {
    let energy = 0;
    const end = Math.min(samples.length, start + frame);
    for (let i = start; i < end; i += 1) energy += samples[i] * samples[i];
    const dbfs = 10 * Math.log10(energy / (end - start) + 1e-12) + 3.01; // RMS in dBFS (sine reference)
    const quiet = dbfs < threshold;
    if (quiet && runStart === null) runStart = start;
    if ((!quiet || end === samples.length) && runStart !== null) {
      const stop = quiet ? end : start;
      if ((stop - runStart) / sampleRate >= MIN_SILENCE_S) silences.push({ start_s: runStart / sampleRate, end_s: stop / sampleRate });
      runStart = null;
    }
  }
  return silences;
}

export function drawPicture(canvas, samples, sampleRate, quality = {}) {
  const width = canvas.width = 960;
  canvas.height = WAVE_HEIGHT + SPECTRUM_HEIGHT;
  const context = canvas.getContext("2d");
  const duration = samples.length / sampleRate;
  const x = (seconds) => (seconds / duration) * width;
  const clipped = findClipped(samples, sampleRate, quality.clip_level);
  const silences = findSilences(samples, sampleRate, quality.noise_floor_dbfs);

  context.fillStyle = "#0b1020";
  context.fillRect(0, 0, width, canvas.height);
  drawSpectrogram(context, samples, width);
  for (const silence of silences) {
    context.fillStyle = "rgba(203, 213, 225, 0.28)";
    context.fillRect(x(silence.start_s), 0, Math.max(1, x(silence.end_s) - x(silence.start_s)), canvas.height);
  }
  drawWave(context, samples, width);
  for (const region of clipped) {
    context.fillStyle = "rgba(239, 68, 68, 0.75)";
    context.fillRect(x(region.start_s), 0, Math.max(2, x(region.end_s) - x(region.start_s)), WAVE_HEIGHT);
  }
  const cutoff = quality.cutoff_hz ?? null;
  if (cutoff && cutoff < sampleRate / 2) {
    const y = WAVE_HEIGHT + SPECTRUM_HEIGHT * (1 - cutoff / (sampleRate / 2));
    context.strokeStyle = "#facc15";
    context.setLineDash([8, 5]);
    context.lineWidth = 2;
    context.beginPath(); context.moveTo(0, y); context.lineTo(width, y); context.stroke();
    context.setLineDash([]);
    context.fillStyle = "#facc15";
    context.font = "14px system-ui, sans-serif";
    context.fillText(`band limit ${(cutoff / 1000).toFixed(1)} kHz`, 8, Math.max(WAVE_HEIGHT + 16, y - 6));
  }
  context.fillStyle = "#e5e7eb";
  context.font = "12px system-ui, sans-serif";
  context.fillText(`${(sampleRate / 2000).toFixed(1)} kHz`, width - 60, WAVE_HEIGHT + 14);
  context.fillText("0 Hz", width - 40, canvas.height - 6);
  return { duration_s: duration, clipped, silences, cutoff_hz: cutoff };
}

function drawWave(context, samples, width) {
  const middle = WAVE_HEIGHT / 2;
  const perPixel = samples.length / width;
  context.fillStyle = "rgba(11, 16, 32, 0.85)";
  context.fillRect(0, 0, width, WAVE_HEIGHT);
  context.strokeStyle = "#60a5fa";
  context.beginPath();
  for (let column = 0; column < width; column += 1) {
    let low = 0, high = 0;
    const end = Math.min(samples.length, Math.floor((column + 1) * perPixel));
    for (let i = Math.floor(column * perPixel); i < end; i += 1) { low = Math.min(low, samples[i]); high = Math.max(high, samples[i]); }
    context.moveTo(column + 0.5, middle - high * middle);
    context.lineTo(column + 0.5, middle - low * middle + 1);
  }
  context.stroke();
}

function drawSpectrogram(context, samples, width) {
  const frameSize = 512;
  const columns = Math.min(width, 480);
  const frames = spectrogram(samples, frameSize, columns);
  const bins = frameSize / 2;
  const image = context.createImageData(columns, bins);
  let top = -Infinity;
  for (const frame of frames) for (const value of frame) top = Math.max(top, value);
  for (let column = 0; column < columns; column += 1) {
    for (let bin = 0; bin < bins; bin += 1) {
      const level = Math.max(0, Math.min(1, (frames[column][bin] - (top - 90)) / 90));
      const offset = ((bins - 1 - bin) * columns + column) * 4;
      image.data[offset] = 255 * Math.min(1, level * 1.6);
      image.data[offset + 1] = 255 * Math.max(0, level * 1.6 - 0.6);
      image.data[offset + 2] = 255 * Math.min(1, 0.25 + level) * (1 - level * 0.7);
      image.data[offset + 3] = 255;
    }
  }
  const scratch = new OffscreenCanvas(columns, bins);
  scratch.getContext("2d").putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, 0, WAVE_HEIGHT, width, SPECTRUM_HEIGHT);
}
