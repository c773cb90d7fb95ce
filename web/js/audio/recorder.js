// Recording from the microphone: MediaRecorder for the take, an AnalyserNode for the level meter, and the
// take converted to WAV on stop (see wav.js for why).
import { decodeFile, encodeWav, mixToMono } from "./wav.js";

export async function startRecording(onLevel) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const chunks = [];
  const recorder = new MediaRecorder(stream);
  recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
  const audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 2048;
  audio.createMediaStreamSource(stream).connect(analyser);
  const buffer = new Float32Array(analyser.fftSize);
  let running = true;
  const startedAt = performance.now();
  const tick = () => {
    if (!running) return;
    analyser.getFloatTimeDomainData(buffer);
    let peak = 0;
    for (const value of buffer) peak = Math.max(peak, Math.abs(value));
    onLevel(peak, (performance.now() - startedAt) / 1000);
    requestAnimationFrame(tick);
  };
  recorder.start(250);
  tick();

  return {
    async stop() {
      running = false;
      const stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve, { once: true }));
      recorder.stop();
      await stopped;
      for (const track of stream.getTracks()) track.stop();
      await audio.close();
      const take = new Blob(chunks, { type: recorder.mimeType });
      const decoded = await decodeFile(take, 48000);
      const wav = encodeWav(mixToMono(decoded), decoded.sampleRate);
      return new File([wav], `recording-${new Date().toISOString().replace(/[:.]/g, "-")}.wav`, { type: "audio/wav" });
    },
  };
}
