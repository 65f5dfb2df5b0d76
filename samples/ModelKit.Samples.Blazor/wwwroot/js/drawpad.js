// The drawing pad: pointer events (mouse, touch and pen), strokes drawn on the canvas and sent to .NET when each one ends.
const pads = new WeakMap();

export function attach(canvas, dotnet, penWidth) {
    detach(canvas);
    const context = canvas.getContext('2d');
    const state = { dotnet, penWidth, drawing: false, pointerId: null, points: [] };

    const position = (event) => {
        const box = canvas.getBoundingClientRect();
        return [
            Math.round((event.clientX - box.left) * canvas.width / box.width * 10) / 10,
            Math.round((event.clientY - box.top) * canvas.height / box.height * 10) / 10,
        ];
    };
    const pen = () => {
        context.lineCap = 'round';
        context.lineJoin = 'round';
        context.lineWidth = state.penWidth;
        context.strokeStyle = '#111827';
        context.fillStyle = '#111827';
    };
    const down = (event) => {
        if (state.drawing || (event.pointerType === 'mouse' && event.button !== 0)) {
            return;
        }
        event.preventDefault();
        canvas.setPointerCapture?.(event.pointerId);
        state.drawing = true;
        state.pointerId = event.pointerId;
        const [x, y] = position(event);
        state.points = [x, y];
        pen();
        context.beginPath();
        context.arc(x, y, state.penWidth / 2, 0, Math.PI * 2);
        context.fill();
    };
    const move = (event) => {
        if (!state.drawing || event.pointerId !== state.pointerId) {
            return;
        }
        event.preventDefault();
        const [x, y] = position(event);
        const n = state.points.length;
        pen();
        context.beginPath();
        context.moveTo(state.points[n - 2], state.points[n - 1]);
        context.lineTo(x, y);
        context.stroke();
        state.points.push(x, y);
    };
    const up = (event) => {
        if (!state.drawing || event.pointerId !== state.pointerId) {
            return;
        }
        event.preventDefault();
        state.drawing = false;
        const points = state.points;
        state.points = [];
        state.dotnet.invokeMethodAsync('OnStrokeEnd', points).catch((error) => console.warn('stroke not delivered', error));
    };

    canvas.addEventListener('pointerdown', down);
    canvas.addEventListener('pointermove', move);
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointercancel', up);
    pads.set(canvas, { state, down, move, up });
    clear(canvas);
    canvas.dataset.ready = 'true';
}

export function clear(canvas) {
    const context = canvas.getContext('2d');
    context.clearRect(0, 0, canvas.width, canvas.height);
}

export function detach(canvas) {
    const pad = pads.get(canvas);
    if (!pad) {
        return;
    }
    canvas.removeEventListener('pointerdown', pad.down);
    canvas.removeEventListener('pointermove', pad.move);
    canvas.removeEventListener('pointerup', pad.up);
    canvas.removeEventListener('pointercancel', pad.up);
    pads.delete(canvas);
    delete canvas.dataset.ready;
}
