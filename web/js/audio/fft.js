// In-place radix-2 FFT (size a power of two) for the spectrogram.

export function fft(real, imag) {
  const n = real.length;
  for (let i = 1, j = 0; i < n; i += 1) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { [real[i], real[j]] = [real[j], real[i]]; [imag[i], imag[j]] = [imag[j], imag[i]]; }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    const stepReal = Math.cos(angle), stepImag = Math.sin(angle);
    for (let start = 0; start < n; start += size) {
      let wReal = 1, wImag = 0;
      for (let k = 0; k < size / 2; k += 1) {
        const a = start + k, b = a + size / 2;
        const tReal = real[b] * wReal - imag[b] * wImag;
        const tImag = real[b] * wImag + imag[b] * wReal;
        real[b] = real[a] - tReal; imag[b] = imag[a] - tImag;
        real[a] += tReal; imag[a] += tImag;
        [wReal, wImag] = [wReal * stepReal - wImag * stepImag, wReal * stepImag + wImag * stepReal];
      }
    }
  }
}

/** Power in dB of `frameSize`-sample Hann-windowed frames, `columns` of them across `samples`. */
export function spectrogram(samples, frameSize, columns) {
  const window = new Float32Array(frameSize).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (frameSize - 1)));
  const hop = Math.max(1, Math.floor((samples.length - frameSize) / Math.max(1, columns - 1)));
  const result = [];
  for (let column = 0; column < columns; column += 1) {
    const start = Math.min(column * hop, Math.max(0, samples.length - frameSize));
    const real = new Float32Array(frameSize), imag = new Float32Array(frameSize);
    for (let i = 0; i < frameSize && start + i < samples.length; i += 1) real[i] = samples[start + i] * window[i];
    fft(real, imag);
    const power = new Float32Array(frameSize / 2);
    for (let bin = 0; bin < frameSize / 2; bin += 1) power[bin] = 10 * Math.log10(real[bin] ** 2 + imag[bin] ** 2 + 1e-12);
    result.push(power);
  }
  return result;
}
