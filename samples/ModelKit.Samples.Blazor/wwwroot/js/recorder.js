// Records from the microphone with MediaRecorder, then decodes the recording with Web Audio and encodes it as a 16-bit mono WAV
// (at the audio context's rate; ModelKit resamples to 16 kHz). The WAV goes to .NET as a stream (IJSStreamReference).
let current = null;

export async function start() {
    if (current) {
        throw new Error("Already recording.");
    }

    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
        throw new Error("This browser cannot record audio here (it needs a secure origin such as localhost, and MediaRecorder).");
    }

    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const recorder = new MediaRecorder(stream);
    const chunks = [];
    recorder.ondataavailable = e => { if (e.data.size > 0) chunks.push(e.data); };
    const stopped = new Promise(resolve => recorder.onstop = resolve);
    recorder.start(250);
    current = { stream, recorder, chunks, stopped };
}

export async function stop() {
    if (!current) {
        throw new Error("Not recording.");
    }

    const { stream, recorder, chunks, stopped } = current;
    current = null;
    recorder.stop();
    await stopped;
    stream.getTracks().forEach(t => t.stop());
    const blob = new Blob(chunks, { type: recorder.mimeType });
    const context = new AudioContext();
    try {
        const audio = await context.decodeAudioData(await blob.arrayBuffer());
        return encodeWav(audio);
    } finally {
        await context.close();
    }
}

export function cancel() {
    if (current) {
        current.recorder.stop();
        current.stream.getTracks().forEach(t => t.stop());
        current = null;
    }
}

function encodeWav(audio) {
    const frames = audio.length;
    const channels = audio.numberOfChannels;
    const data = new Int16Array(frames);
    const inputs = Array.from({ length: channels }, (_, c) => audio.getChannelData(c));
    for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += inputs[c][i];
        const v = Math.max(-1, Math.min(1, sum / channels));
        data[i] = Math.round(v * 32767);
    }

    const bytes = new Uint8Array(44 + data.byteLength);
    const view = new DataView(bytes.buffer);
    const text = (offset, s) => { for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i); };
    text(0, "RIFF"); view.setUint32(4, 36 + data.byteLength, true); text(8, "WAVEfmt ");
    view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
    view.setUint32(24, audio.sampleRate, true); view.setUint32(28, audio.sampleRate * 2, true);
    view.setUint16(32, 2, true); view.setUint16(34, 16, true);
    text(36, "data"); view.setUint32(40, data.byteLength, true);
    bytes.set(new Uint8Array(data.buffer), 44);
    return bytes;
}
