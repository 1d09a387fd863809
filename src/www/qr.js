/*
 * qr.js: a QR code (ISO/IEC 18004) for the two-factor enrolment of the
 * session page, drawn in the browser so that the TOTP secret never goes
 * to a third party or back to the server, and without a dependency.
 * Byte mode only, error correction level M, versions 1 to 10 (up to 213
 * bytes: an otpauth:// URI needs about 130), the mask of lowest penalty.
 *
 *   import { qrMatrix, qrSvg } from './qr.js';
 *   qrMatrix('otpauth://...')  // rows of booleans (true: dark), or throws
 *   qrSvg(text, 4)             // an <svg> element, 4 px a module
 */

/* Level M, versions 1-10: EC codewords a block, [blocks, data codewords]
 * of each group (ISO/IEC 18004 table 9). */
const BLOCKS = [null,
	[10, [1, 16]], [16, [1, 28]], [26, [1, 44]], [18, [2, 32]],
	[24, [2, 43]], [16, [4, 27]], [18, [4, 31]], [22, [2, 38], [2, 39]],
	[22, [3, 36], [2, 37]], [26, [4, 43], [1, 44]]];
/* Centres of the alignment patterns, by version. */
const ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
	[6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];
const LEVEL_M = 0;	/* format bits of level M */

/* GF(256) with x^8 + x^4 + x^3 + x^2 + 1. */
function gmul(x, y) {
	let z = 0;
	for (let i = 7; i >= 0; i--) {
		z = (z << 1) ^ ((z >>> 7) * 0x11d);
		z ^= ((y >>> i) & 1) * x;
	}
	return z;
}

/* Reed-Solomon: the remainder of data times x^n by the generator. */
function rsEcc(data, n) {
	const gen = new Array(n).fill(0);
	gen[n - 1] = 1;
	let root = 1;
	for (let i = 0; i < n; i++) {
		for (let j = 0; j < n; j++) {
			gen[j] = gmul(gen[j], root);
			if (j + 1 < n)
				gen[j] ^= gen[j + 1];
		}
		root = gmul(root, 2);
	}
	const rem = new Array(n).fill(0);
	for (const b of data) {
		const f = b ^ rem.shift();
		rem.push(0);
		gen.forEach((c, i) => { rem[i] ^= gmul(c, f); });
	}
	return rem;
}

function capacity(v) {
	const [, ...groups] = BLOCKS[v];
	return groups.reduce((s, [n, k]) => s + n * k, 0);
}

/* The codewords of bytes in version v: data, padding, interleaved EC. */
function codewords(bytes, v) {
	const bits = [];
	const put = (val, n) => {
		for (let i = n - 1; i >= 0; i--)
			bits.push((val >>> i) & 1);
	};
	const cap = capacity(v) * 8;
	put(4, 4);				/* byte mode */
	put(bytes.length, v < 10 ? 8 : 16);
	bytes.forEach((b) => put(b, 8));
	put(0, Math.min(4, cap - bits.length));	/* terminator */
	put(0, (8 - bits.length % 8) % 8);
	const data = [];
	for (let i = 0; i < bits.length; i += 8)
		data.push(parseInt(bits.slice(i, i + 8).join(''), 2));
	for (let pad = 0xec; data.length < cap / 8; pad ^= 0xec ^ 0x11)
		data.push(pad);
	const [ecn, ...groups] = BLOCKS[v];
	const blocks = [];
	let off = 0;
	for (const [n, k] of groups)
		for (let b = 0; b < n; b++, off += k)
			blocks.push(data.slice(off, off + k));
	const eccs = blocks.map((b) => rsEcc(b, ecn));
	const out = [];
	for (let i = 0; i < Math.max(...blocks.map((b) => b.length)); i++)
		blocks.forEach((b) => { if (i < b.length) out.push(b[i]); });
	for (let i = 0; i < ecn; i++)
		eccs.forEach((e) => out.push(e[i]));
	return out;
}

const MASKS = [
	(r, c) => (r + c) % 2 === 0,
	(r) => r % 2 === 0,
	(r, c) => c % 3 === 0,
	(r, c) => (r + c) % 3 === 0,
	(r, c) => (Math.floor(r / 2) + Math.floor(c / 3)) % 2 === 0,
	(r, c) => (r * c) % 2 + (r * c) % 3 === 0,
	(r, c) => ((r * c) % 2 + (r * c) % 3) % 2 === 0,
	(r, c) => ((r + c) % 2 + (r * c) % 3) % 2 === 0,
];

/* The symbol of version v with the given codewords and mask. */
function symbol(v, cw, mask) {
	const size = 17 + 4 * v;
	const m = Array.from({ length: size }, () => new Array(size).fill(false));
	const fn = Array.from({ length: size }, () => new Array(size).fill(false));
	const set = (r, c, dark) => { m[r][c] = dark; fn[r][c] = true; };

	for (let i = 0; i < size; i++) {	/* timing */
		set(6, i, i % 2 === 0);
		set(i, 6, i % 2 === 0);
	}
	for (const [r0, c0] of [[3, 3], [3, size - 4], [size - 4, 3]])
		for (let dr = -4; dr <= 4; dr++)	/* finders, separators */
			for (let dc = -4; dc <= 4; dc++) {
				const r = r0 + dr, c = c0 + dc;
				const d = Math.max(Math.abs(dr), Math.abs(dc));
				if (r >= 0 && r < size && c >= 0 && c < size)
					set(r, c, d !== 2 && d !== 4);
			}
	const al = ALIGN[v], last = al.length - 1;
	al.forEach((r0, i) => al.forEach((c0, j) => {
		if ((i === 0 && j === 0) || (i === 0 && j === last) ||
		    (i === last && j === 0))
			return;		/* under a finder */
		for (let dr = -2; dr <= 2; dr++)
			for (let dc = -2; dc <= 2; dc++)
				set(r0 + dr, c0 + dc,
				    Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
	}));
	/* Format information: level, mask, BCH(15,5), masked. */
	const fd = (LEVEL_M << 3) | mask;
	let rem = fd;
	for (let i = 0; i < 10; i++)
		rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
	const fbits = ((fd << 10) | rem) ^ 0x5412;
	const fb = (i) => ((fbits >>> i) & 1) === 1;
	for (let i = 0; i <= 5; i++)
		set(i, 8, fb(i));
	set(7, 8, fb(6));
	set(8, 8, fb(7));
	set(8, 7, fb(8));
	for (let i = 9; i < 15; i++)
		set(8, 14 - i, fb(i));
	for (let i = 0; i < 8; i++)
		set(8, size - 1 - i, fb(i));
	for (let i = 8; i < 15; i++)
		set(size - 15 + i, 8, fb(i));
	set(size - 8, 8, true);			/* the dark module */
	if (v >= 7) {				/* version information */
		let vr = v;
		for (let i = 0; i < 12; i++)
			vr = (vr << 1) ^ ((vr >>> 11) * 0x1f25);
		const vbits = (v << 12) | vr;
		for (let i = 0; i < 18; i++) {
			const dark = ((vbits >>> i) & 1) === 1;
			const a = size - 11 + i % 3, b = Math.floor(i / 3);
			set(b, a, dark);
			set(a, b, dark);
		}
	}
	/* Data: up and down column pairs from the right, column 6 skipped. */
	let bit = 0;
	for (let right = size - 1; right >= 1; right -= 2) {
		if (right === 6)
			right = 5;
		const up = ((right + 1) & 2) === 0;
		for (let k = 0; k < size; k++)
			for (let j = 0; j < 2; j++) {
				const c = right - j, r = up ? size - 1 - k : k;
				if (fn[r][c])
					continue;
				const dark = bit < cw.length * 8 &&
				    ((cw[bit >>> 3] >>> (7 - (bit & 7))) & 1) === 1;
				bit++;
				m[r][c] = dark !== MASKS[mask](r, c);
			}
	}
	return m;
}

/* The penalty of ISO/IEC 18004 7.8.3 (N1 3, N2 3, N3 40, N4 10). */
function penalty(m) {
	const size = m.length;
	let p = 0, dark = 0;
	const lines = [];
	for (let i = 0; i < size; i++) {
		lines.push(m[i]);
		lines.push(m.map((row) => row[i]));
	}
	for (const l of lines) {
		let run = 1;
		for (let i = 1; i <= size; i++) {
			if (i < size && l[i] === l[i - 1]) {
				run++;
				continue;
			}
			if (run >= 5)
				p += 3 + run - 5;
			run = 1;
		}
		const s = l.map((x) => (x ? '1' : '0')).join('');
		for (const pat of ['10111010000', '00001011101'])
			for (let i = s.indexOf(pat); i !== -1;
			    i = s.indexOf(pat, i + 1))
				p += 40;
	}
	for (let r = 0; r + 1 < size; r++)
		for (let c = 0; c + 1 < size; c++) {
			const x = m[r][c];
			if (x === m[r][c + 1] && x === m[r + 1][c] &&
			    x === m[r + 1][c + 1])
				p += 3;
		}
	m.forEach((row) => row.forEach((x) => { dark += x ? 1 : 0; }));
	return p + 10 * Math.floor(Math.abs(dark * 20 - size * size * 10) /
	    (size * size));
}

export function qrMatrix(text) {
	const bytes = Array.from(new TextEncoder().encode(text));
	let v = 1;
	/* Mode (4 bits), count, data: must fit the data codewords. */
	while (v <= 10 && 4 + (v < 10 ? 8 : 16) + bytes.length * 8 >
	    capacity(v) * 8)
		v++;
	if (v > 10)
		throw new Error('too long for a QR code of version 10');
	const cw = codewords(bytes, v);
	let best = null, bestp = Infinity;
	for (let mask = 0; mask < 8; mask++) {
		const m = symbol(v, cw, mask), p = penalty(m);
		if (p < bestp) {
			best = m;
			bestp = p;
		}
	}
	return best;
}

/* The code as an <svg>: scale px a module, a quiet zone of 4. */
export function qrSvg(text, scale = 4) {
	const m = qrMatrix(text), n = m.length + 8;
	const ns = 'http://www.w3.org/2000/svg';
	const svg = document.createElementNS(ns, 'svg');
	svg.setAttribute('viewBox', '0 0 ' + n + ' ' + n);
	svg.setAttribute('width', String(n * scale));
	svg.setAttribute('height', String(n * scale));
	svg.setAttribute('shape-rendering', 'crispEdges');
	const bg = document.createElementNS(ns, 'rect');
	bg.setAttribute('width', String(n));
	bg.setAttribute('height', String(n));
	bg.setAttribute('fill', '#fff');
	let d = '';
	m.forEach((row, r) => row.forEach((x, c) => {
		if (x)
			d += 'M' + (c + 4) + ' ' + (r + 4) + 'h1v1h-1z';
	}));
	const path = document.createElementNS(ns, 'path');
	path.setAttribute('d', d);
	path.setAttribute('fill', '#000');
	svg.append(bg, path);
	return svg;
}
