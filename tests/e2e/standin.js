#!/usr/bin/env node
// tests/e2e/standin.js - a scripted stand-in for the Anthropic Messages API.
//
// Listens on 127.0.0.1 (port 0 = a free port unless --port is given), writes
// the chosen port to --port-file (and prints "listening PORT" on stdout),
// records every request it receives as one JSON line in --log, and answers
// POST /v1/messages with a streamed (SSE) or plain assistant message.
//
//   node standin.js --scripts DIR --log FILE.jsonl [--port-file FILE] [--port N]
//
// Scripts. A conversation names its script with a marker "[[e2e:NAME]]" in
// a user prompt; the stand-in then plays DIR/NAME.json:
//
//   { "turns": [ { "tool": "Write", "input": {...}, "text": "optional" },
//                { "tools": [ {"tool": "Read", "input": {...}}, ... ] },
//                { "text": "final answer" } ],
//     "final": "text used when the script has run out (default: done)" }
//
// A turn with a tool (or tools) ends with stop_reason "tool_use", a text-only
// turn with "end_turn". Script files are read on every request, so a driver
// may add scripts while the stand-in runs.
//
// Picking the turn is stateless, so retries and extra requests cannot shift
// the script: every scripted tool_use gets the id toolu_e2e_<NAME>_<turn>_<k>,
// and the next turn is one past the highest turn of NAME whose tool_use
// appears in the request's history (turn 0 when none does). When a
// conversation carries several markers (a resumed session with a new
// prompt), the last one in a user prompt wins. Subagents are scripted the
// same way: put a marker in the Agent tool's prompt, which becomes the
// subagent's first user message.
//
// Requests that are not a scripted conversation - no marker, no tools (title
// or summary generation, classifiers), count_tokens, anything else - get a
// harmless short answer and do not consume a turn.

'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const MARKER = /\[\[e2e:([A-Za-z0-9_.-]+)\]\]/g;

function parseArgs(argv) {
	const o = { port: 0 };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const v = () => argv[++i];
		if (a === '--scripts') o.scripts = v();
		else if (a === '--log') o.log = v();
		else if (a === '--port-file') o.portFile = v();
		else if (a === '--port') o.port = Number(v());
		else if (a === '--help' || a === '-h') o.help = true;
		else throw new Error(`unknown argument ${a}`);
	}
	return o;
}

// Text of a content value (string or block list), skipping tool_result blocks.
function promptText(content) {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content.filter((b) => b && b.type === 'text').map((b) => b.text || '').join('\n');
}

function systemText(system) {
	if (typeof system === 'string') return system;
	if (Array.isArray(system)) return system.map((b) => (b && b.text) || '').join('\n');
	return '';
}

// The script a request belongs to: the last marker in a user prompt.
function scriptName(body) {
	let name = null;
	for (const m of body.messages || []) {
		if (m.role !== 'user') continue;
		for (const x of promptText(m.content).matchAll(MARKER)) name = x[1];
	}
	return name;
}

// One past the highest scripted turn of `name` already in the history.
function nextTurn(body, name) {
	const re = new RegExp(`^toolu_e2e_${name.replace(/[.]/g, '\\.')}_(\\d+)_\\d+$`);
	let next = 0;
	for (const m of body.messages || []) {
		if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
		for (const b of m.content) {
			if (b && b.type === 'tool_use' && typeof b.id === 'string') {
				const r = re.exec(b.id);
				if (r) next = Math.max(next, Number(r[1]) + 1);
			}
		}
	}
	return next;
}

function loadScript(dir, name) {
	if (!dir) return null;
	const f = path.join(dir, `${name}.json`);
	try {
		return JSON.parse(fs.readFileSync(f, 'utf8'));
	} catch (e) {
		return null;
	}
}

// Decides the assistant message: { kind, blocks: [{type:'text',text}|{type:'tool_use',id,name,input}], stop }
function decide(opts, body) {
	const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
	const name = scriptName(body);
	if (!name || !hasTools) {
		return { kind: 'extra', script: name, blocks: [{ type: 'text', text: 'OK.' }], stop: 'end_turn' };
	}
	const script = loadScript(opts.scripts, name);
	if (!script) {
		return { kind: 'unknown-script', script: name, blocks: [{ type: 'text', text: `no script ${name}` }], stop: 'end_turn' };
	}
	const turns = script.turns || [];
	const n = nextTurn(body, name);
	if (n >= turns.length) {
		return { kind: 'scripted', script: name, turn: n, blocks: [{ type: 'text', text: script.final || 'done' }], stop: 'end_turn' };
	}
	const t = turns[n];
	const blocks = [];
	if (t.text) blocks.push({ type: 'text', text: t.text });
	const tools = t.tools || (t.tool ? [{ tool: t.tool, input: t.input }] : []);
	tools.forEach((c, k) => {
		blocks.push({ type: 'tool_use', id: `toolu_e2e_${name}_${n}_${k}`, name: c.tool, input: c.input || {} });
	});
	if (blocks.length === 0) blocks.push({ type: 'text', text: 'done' });
	return { kind: 'scripted', script: name, turn: n, blocks, stop: tools.length ? 'tool_use' : 'end_turn', delayMs: t.delay_ms || 0 };
}

let msgSeq = 0;

function messageObject(model, d) {
	return {
		id: `msg_e2e_${process.pid}_${++msgSeq}`,
		type: 'message',
		role: 'assistant',
		model: model || 'claude-e2e',
		content: d.blocks,
		stop_reason: d.stop,
		stop_sequence: null,
		usage: { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
	};
}

function sse(res, event, data) {
	res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function streamMessage(res, model, d) {
	res.writeHead(200, {
		'content-type': 'text/event-stream; charset=utf-8',
		'cache-control': 'no-cache',
		connection: 'keep-alive',
		'request-id': `req_e2e_${msgSeq + 1}`,
	});
	const m = messageObject(model, d);
	sse(res, 'message_start', {
		type: 'message_start',
		message: { ...m, content: [], stop_reason: null, usage: { ...m.usage, output_tokens: 1 } },
	});
	d.blocks.forEach((b, i) => {
		if (b.type === 'text') {
			sse(res, 'content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'text', text: '' } });
			sse(res, 'content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'text_delta', text: b.text } });
		} else {
			sse(res, 'content_block_start', {
				type: 'content_block_start', index: i,
				content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} },
			});
			const json = JSON.stringify(b.input);
			// two deltas, to exercise the client's partial-JSON assembly
			const cut = Math.floor(json.length / 2);
			for (const part of [json.slice(0, cut), json.slice(cut)]) {
				sse(res, 'content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: part } });
			}
		}
		sse(res, 'content_block_stop', { type: 'content_block_stop', index: i });
	});
	sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: d.stop, stop_sequence: null }, usage: { output_tokens: 10 } });
	sse(res, 'message_stop', { type: 'message_stop' });
	res.end();
}

function start(opts) {
	const logFd = opts.log ? fs.openSync(opts.log, 'a') : null;
	let seq = 0;
	const record = (o) => {
		if (logFd !== null) fs.writeSync(logFd, JSON.stringify(o) + '\n');
	};
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			let body = null;
			try { body = raw ? JSON.parse(raw) : null; } catch (e) { body = null; }
			const n = ++seq;
			const entry = {
				seq: n, t: Date.now(), method: req.method, url: req.url,
				session: req.headers['x-claude-code-session-id'] || null,
				headers: { 'user-agent': req.headers['user-agent'], 'anthropic-beta': req.headers['anthropic-beta'] },
			};
			const u = new URL(req.url, 'http://x');
			if (req.method === 'POST' && u.pathname === '/v1/messages' && body) {
				const d = decide(opts, body);
				Object.assign(entry, {
					kind: d.kind, script: d.script || null, turn: d.turn === undefined ? null : d.turn,
					reply: d.blocks, system: systemText(body.system).slice(0, 300),
					ntools: Array.isArray(body.tools) ? body.tools.length : 0, body,
				});
				record(entry);
				const send = () => {
					if (body.stream) streamMessage(res, body.model, d);
					else {
						res.writeHead(200, { 'content-type': 'application/json' });
						res.end(JSON.stringify(messageObject(body.model, d)));
					}
				};
				if (d.delayMs) setTimeout(send, d.delayMs); else send();
				return;
			}
			entry.kind = 'other';
			entry.body = body === null ? raw.slice(0, 2000) : body;
			record(entry);
			if (req.method === 'POST' && u.pathname === '/v1/messages/count_tokens') {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ input_tokens: 100 }));
				return;
			}
			res.writeHead(404, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `stand-in: no ${req.method} ${u.pathname}` } }));
		});
	});
	server.keepAliveTimeout = 1000;
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port || 0, '127.0.0.1', () => resolve(server));
	});
}

module.exports = { start, decide, scriptName, nextTurn };

if (require.main === module) {
	let opts;
	try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
		console.error(`standin: ${e.message}`);
		process.exit(2);
	}
	if (opts.help) {
		console.log('usage: standin.js --scripts DIR --log FILE.jsonl [--port-file FILE] [--port N]');
		process.exit(0);
	}
	start(opts).then((server) => {
		const port = server.address().port;
		if (opts.portFile) {
			fs.writeFileSync(`${opts.portFile}.tmp`, `${port}\n`);
			fs.renameSync(`${opts.portFile}.tmp`, opts.portFile);
		}
		console.log(`listening ${port}`);
		for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => process.exit(0));
	}, (e) => {
		console.error(`standin: cannot listen: ${e.message}`);
		process.exit(1);
	});
}
