#!/usr/bin/env node
// tests/e2e/driver.js - runs the end-to-end scenarios against the real
// Claude Code client, offline, with our hooks installed by our install.sh.
// Started by tests/e2e/run.sh, which finds the client; see docs/e2e.md.
//
// Environment:
//   SL_ROOT          the source tree (install.sh lives there)      [required]
//   SL_BIN           the built programs (only for E2E_HOOKS=manual)
//   E2E_CLAUDE       the client's native executable                [required]
//   E2E_SUMMARY      a file to append "PASSED FAILED" to (run.sh adds up the versions)
//   E2E_ONLY         run only these scenarios, e.g. "1 2 9" (ids as printed)
//   E2E_JOBS         scenario groups run at once (default: CPUs + 1)
//   E2E_KEEP=1       keep the temporary directory (logs, homes, workspaces)
//   E2E_TIMEOUT      whole-run limit in seconds (default 480)
//   E2E_CLAUDE_TIMEOUT  limit for one claude run in seconds (default 90)
//   E2E_HOOKS=manual register SL_BIN's hooks by hand instead of install.sh
//                    (a development aid; the run then says so and fails)
//   E2E_VERBOSE=1    print each claude run as it starts and ends

'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');

const HERE = __dirname;
const ROOT = process.env.SL_ROOT ? path.resolve(process.env.SL_ROOT) : path.resolve(HERE, '../..');
const CLAUDE = process.env.E2E_CLAUDE;
const VERBOSE = process.env.E2E_VERBOSE === '1';
const KEEP = process.env.E2E_KEEP === '1';
const RUN_LIMIT_MS = Number(process.env.E2E_TIMEOUT || 480) * 1000;
const CLAUDE_LIMIT_MS = Number(process.env.E2E_CLAUDE_TIMEOUT || 90) * 1000;
const JOBS = Math.max(1, Number(process.env.E2E_JOBS || os.cpus().length + 1));
const ONLY = (process.env.E2E_ONLY || '').split(/[\s,]+/).filter(Boolean);
const HOOK_MODE = process.env.E2E_HOOKS === 'manual' ? 'manual' : 'install.sh';
const SESSION_END_BUDGET_MS = 1500; // the client's budget for all SessionEnd hooks
const SESSION_END_WELL_WITHIN_MS = 1000; // what we require of stop-release
// The first client with PreSkillShellCommand (the `!`cmd`` of skills and slash commands).
const SKILL_EVENT_SINCE = '2.1.332';

if (!CLAUDE) {
	console.error('e2e: E2E_CLAUDE is not set (run tests/e2e/run.sh)');
	process.exit(2);
}

// "2.1.332" of the client's `--version` ("2.1.332 (Claude Code)"), or null.
function clientVersion() {
	const r = spawnSync(CLAUDE, ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: os.tmpdir() }, timeout: 30000 });
	const m = /^\s*(\d+)\.(\d+)\.(\d+)/.exec(r.stdout || '');
	return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}
const versionAtLeast = (v, min) => {
	if (!v) return false;
	const a = v.split('.').map(Number);
	const b = min.split('.').map(Number);
	for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
	return true;
};
const VERSION = clientVersion();
const HAS_SKILL_EVENT = versionAtLeast(VERSION, SKILL_EVENT_SINCE);
const TAG = `[${VERSION || '?'}]`;

const RUN_ID = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
const RUN = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-e2e.'));
const SCRIPTS = path.join(RUN, 'scripts');
const LOGS = path.join(RUN, 'logs');
const REQLOG = path.join(LOGS, 'requests.jsonl');
const PREFIX = path.join(RUN, 'prefix');
// install.sh asks `claude --version` which events to register: this `claude` is the client under test.
const CLAUDE_ON_PATH = path.join(RUN, 'claude-bin');
fs.mkdirSync(SCRIPTS);
fs.mkdirSync(LOGS);
fs.mkdirSync(CLAUDE_ON_PATH);
fs.symlinkSync(CLAUDE, path.join(CLAUDE_ON_PATH, 'claude'));

// ---------------------------------------------------------------- processes

const started = new Map(); // pid -> description, everything we spawned
let standin = null;
let port = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const alive = (pid) => {
	try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
};
const isZombieOrGone = (pid) => {
	try {
		const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) === 'Z';
	} catch (e) { return true; }
};

// PIDs of processes carrying our marker in their environment: every claude
// we started and all its descendants (Bash tool shells, hooks), even those
// that left the process group or were re-parented after a SIGKILL.
function taggedPids(tag) {
	const want = tag ? `E2E_TAG=${tag}` : `E2E_RUN=${RUN_ID}`;
	const out = [];
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
		let env;
		try { env = fs.readFileSync(`/proc/${d}/environ`, 'latin1'); } catch (e) { continue; }
		if (env.split('\0').includes(want) && (tag || env.split('\0').includes(`E2E_RUN=${RUN_ID}`))) out.push(Number(d));
	}
	return out;
}

function killPid(pid, sig) {
	try { process.kill(pid, sig); } catch (e) { /* gone */ }
}

function killTagged(tag) {
	for (const p of taggedPids(tag)) killPid(p, 'SIGKILL');
}

let cleanedUp = false;
function cleanup() {
	if (cleanedUp) return;
	cleanedUp = true;
	for (let round = 0; round < 3; round++) {
		for (const pid of started.keys()) {
			killPid(-pid, 'SIGKILL'); // the process group we created (detached)
			killPid(pid, 'SIGKILL');
		}
		killTagged(null);
		if (taggedPids(null).length === 0) break;
		spawnSync('sleep', ['0.2']);
	}
	const left = taggedPids(null);
	if (left.length) console.error(`e2e: processes left behind: ${left.join(' ')}`);
	if (KEEP) console.error(`e2e: kept ${RUN}`);
	else fs.rmSync(RUN, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(s, () => { console.error(`e2e: ${s}, cleaning up`); cleanup(); process.exit(130); });
}
process.on('uncaughtException', (e) => { console.error(`e2e: internal error: ${e.stack || e}`); cleanup(); process.exit(2); });

// A clean environment: nothing from a surrounding Claude Code session
// (CLAUDE_PID, CLAUDE_PROJECT_DIR ...), from SESSION_LOCK_* settings or from
// proxies may leak into the sessions under test.
function baseEnv(home) {
	return {
		PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
		HOME: home,
		USER: os.userInfo().username,
		LOGNAME: os.userInfo().username,
		SHELL: '/bin/bash',
		LANG: 'C.UTF-8',
		TERM: 'dumb',
		TMPDIR: path.join(RUN, 'tmp'),
		NO_PROXY: '127.0.0.1,localhost',
		ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`,
		ANTHROPIC_API_KEY: 'sk-ant-e2e-offline-not-a-real-key',
		CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
		DISABLE_AUTOUPDATER: '1',
		// no attempt to fetch Anthropic's plugin marketplace (the machine is offline)
		CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
		IS_SANDBOX: '1',
		E2E_RUN: RUN_ID,
	};
}
fs.mkdirSync(path.join(RUN, 'tmp'));

// Starts `claude -p PROMPT` in ws. Returns { tag, pid, debug, done } where
// done resolves to { code, signal, out, err, json, ms, timedOut }.
function startClaude({ tag, home, ws, prompt, args = [], env = {}, limitMs = CLAUDE_LIMIT_MS }) {
	const debug = path.join(LOGS, `${tag}.debug.log`);
	const argv = ['-p', prompt, '--dangerously-skip-permissions', '--output-format', 'json', '--debug-file', debug, ...args];
	const t0 = Date.now();
	const child = spawn(CLAUDE, argv, {
		cwd: ws,
		env: { ...baseEnv(home), ...env, E2E_TAG: tag },
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	started.set(child.pid, `claude ${tag}`);
	if (VERBOSE) console.error(`  [${tag}] started pid ${child.pid}`);
	let out = '';
	let err = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { err += d; });
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		killPid(child.pid, 'SIGTERM');
		setTimeout(() => { killPid(-child.pid, 'SIGKILL'); killTagged(tag); }, 3000).unref();
	}, limitMs);
	const done = new Promise((resolve) => {
		child.on('error', (e) => { err += `spawn error: ${e.message}`; });
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			let json = null;
			try { json = JSON.parse(out.trim().split('\n').pop()); } catch (e) { /* not JSON */ }
			const r = { code, signal, out, err, json, ms: Date.now() - t0, timedOut };
			if (VERBOSE) console.error(`  [${tag}] exit ${code === null ? signal : code} after ${r.ms} ms`);
			resolve(r);
		});
	});
	return { tag, pid: child.pid, debug, done, t0 };
}

// ------------------------------------------------------------------ stand-in

async function startStandin() {
	const portFile = path.join(RUN, 'port');
	const child = spawn(process.execPath, [path.join(HERE, 'standin.js'), '--scripts', SCRIPTS, '--log', REQLOG, '--port-file', portFile], {
		stdio: ['ignore', 'ignore', fs.openSync(path.join(LOGS, 'standin.err'), 'a')],
		detached: true,
		env: { PATH: process.env.PATH || '/usr/bin:/bin' },
	});
	started.set(child.pid, 'stand-in');
	standin = child;
	const deadline = Date.now() + 10000;
	while (Date.now() < deadline) {
		if (fs.existsSync(portFile)) return Number(fs.readFileSync(portFile, 'utf8'));
		if (child.exitCode !== null) break;
		await sleep(50);
	}
	throw new Error(`the stand-in did not start: ${fs.readFileSync(path.join(LOGS, 'standin.err'), 'utf8').slice(0, 500)}`);
}

// A direct request to the stand-in (the harness self-check).
function post(urlPath, body) {
	return new Promise((resolve) => {
		const data = JSON.stringify(body);
		const req = require('http').request({ host: '127.0.0.1', port, path: urlPath, method: 'POST',
			headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), 'x-claude-code-session-id': 'e2e-probe' } }, (res) => {
			let text = '';
			res.on('data', (d) => { text += d; });
			res.on('end', () => resolve({ status: res.statusCode, text }));
		});
		req.on('error', (e) => resolve({ status: 0, text: e.message }));
		req.setTimeout(5000, () => req.destroy(new Error('timeout')));
		req.end(data);
	});
}

function script(name, turns, final) {
	fs.writeFileSync(path.join(SCRIPTS, `${name}.json`), JSON.stringify({ turns, final: final || `${name} done` }));
	return `[[e2e:${name}]]`;
}

function requests(name) {
	let text = '';
	try { text = fs.readFileSync(REQLOG, 'utf8'); } catch (e) { return []; }
	const out = [];
	for (const line of text.split('\n')) {
		if (!line) continue;
		let e;
		try { e = JSON.parse(line); } catch (x) { continue; }
		if (name === undefined || e.script === name) out.push(e);
	}
	return out;
}

const served = (name, turn) => requests(name).some((e) => e.kind === 'scripted' && e.turn === turn);

function contentText(c) {
	if (typeof c === 'string') return c;
	if (Array.isArray(c)) return c.map((b) => (b && (b.text !== undefined ? b.text : JSON.stringify(b))) || '').join('\n');
	return c === undefined ? '' : JSON.stringify(c);
}

// The tool_result the client sent back for a scripted tool_use: exactly
// what the model saw. null when none was sent.
function toolResult(name, turn, k = 0) {
	const id = `toolu_e2e_${name}_${turn}_${k}`;
	for (const e of requests(name)) {
		for (const m of (e.body && e.body.messages) || []) {
			if (m.role !== 'user' || !Array.isArray(m.content)) continue;
			for (const b of m.content) {
				if (b && b.type === 'tool_result' && b.tool_use_id === id) {
					return { text: contentText(b.content), isError: b.is_error === true };
				}
			}
		}
	}
	return null;
}

// ------------------------------------------------------------ workspace, hooks

function md5hex(s) { return crypto.createHash('md5').update(s).digest('hex'); }

function makeHome(name) {
	const home = path.join(RUN, name, 'home');
	fs.mkdirSync(path.join(home, '.claude'), { recursive: true });
	return home;
}
function makeWs(name, sub = 'ws') {
	const ws = path.join(RUN, name, sub);
	fs.mkdirSync(ws, { recursive: true });
	return fs.realpathSync(ws);
}
const lockPath = (home, ws) => path.join(home, '.claude', 'runtime', `session-lock-${md5hex(fs.realpathSync(ws)).slice(0, 12)}.json`);
function readLock(home, ws) {
	try { return JSON.parse(fs.readFileSync(lockPath(home, ws), 'utf8')); } catch (e) { return null; }
}

// Installs our hooks into home with our own install.sh (serialised: the
// first call builds, the others reuse the build and the prefix).
let installChain = Promise.resolve();
function installHooks(home) {
	const p = installChain.then(() => installHooksNow(home));
	installChain = p.catch(() => {});
	return p;
}
function installHooksNow(home) {
	if (HOOK_MODE === 'manual') return manualSettings(home);
	const inst = path.join(ROOT, 'install.sh');
	if (!fs.existsSync(inst)) throw new Error(`${inst} does not exist`);
	// The first install builds in the source tree (a no-op after `make`);
	// the others install that same build (--prebuilt) into their HOME.
	const args = [inst, '--prefix', PREFIX];
	if (installedOnce) args.push('--prebuilt', path.join(PREFIX, 'bin'));
	const r = spawnSync('bash', args, {
		cwd: ROOT,
		env: { PATH: `${CLAUDE_ON_PATH}:${process.env.PATH}`, HOME: home, LANG: 'C.UTF-8', TMPDIR: path.join(RUN, 'tmp') },
		encoding: 'utf8',
		timeout: 300000,
	});
	fs.appendFileSync(path.join(LOGS, 'install.log'), `== HOME=${home}\n${r.stdout || ''}${r.stderr || ''}\n`);
	if (r.status !== 0) {
		const why = (r.stderr || r.stdout || '').trim().split('\n').filter((l) => !/^make(\[\d+\])?: (Entering|Leaving) directory/.test(l)).slice(-4).join(' | ');
		throw new Error(`install.sh ${args.slice(1).join(' ')} exited ${r.status === null ? r.signal : r.status}: ${why}`);
	}
	checkSettings(home);
	installedOnce = true;
}
let installedOnce = false;

// What install.sh must have done: every event in the exec form (the
// program itself, no arguments, no shell), and PreSkillShellCommand exactly
// when the client has it (an older one warns about it at every start).
function checkSettings(home) {
	const f = path.join(home, '.claude', 'settings.json');
	let s;
	try { s = JSON.parse(fs.readFileSync(f, 'utf8')); } catch (e) { throw new Error(`install.sh left no valid ${f}: ${e.message}`); }
	const entries = (ev) => ((s.hooks && s.hooks[ev]) || []).flatMap((g) => g.hooks || []);
	const want = { PreToolUse: 'pretooluse-lock', PostToolUse: 'posttooluse-refresh', PostToolUseFailure: 'posttooluse-refresh', Stop: 'stop-release', SessionEnd: 'stop-release', SessionStart: 'session-start' };
	if (HAS_SKILL_EVENT) want.PreSkillShellCommand = 'pretooluse-lock';
	else if (s.hooks && s.hooks.PreSkillShellCommand) throw new Error(`install.sh registered PreSkillShellCommand for Claude Code ${VERSION}, which lacks it, in ${f}`);
	for (const [ev, prog] of Object.entries(want)) {
		const exe = path.join(PREFIX, 'bin', prog);
		if (!entries(ev).some((h) => h.command === exe && Array.isArray(h.args) && h.args.length === 0)) {
			throw new Error(`install.sh did not register ${exe} in the exec form for ${ev} in ${f}`);
		}
	}
	for (const prog of ['pretooluse-lock', 'posttooluse-refresh', 'stop-release', 'session-start', 'session-lock']) {
		if (!fs.existsSync(path.join(PREFIX, 'bin', prog))) throw new Error(`install.sh did not install ${PREFIX}/bin/${prog}`);
	}
}

function manualSettings(home) {
	const bin = process.env.SL_BIN;
	if (!bin) throw new Error('E2E_HOOKS=manual needs SL_BIN');
	const h = (prog, timeout) => [{ type: 'command', command: path.join(bin, prog), args: [], timeout }];
	const s = {
		hooks: {
			PreToolUse: [{ matcher: 'Edit|Write|MultiEdit|NotebookEdit|Bash|Read', hooks: h('pretooluse-lock', 30) }],
			...(HAS_SKILL_EVENT ? { PreSkillShellCommand: [{ hooks: h('pretooluse-lock', 30) }] } : {}),
			PostToolUse: [{ matcher: 'Edit|Write|MultiEdit|NotebookEdit|Bash', hooks: h('posttooluse-refresh', 10) }],
			PostToolUseFailure: [{ matcher: 'Edit|Write|MultiEdit|NotebookEdit|Bash', hooks: h('posttooluse-refresh', 10) }],
			Stop: [{ hooks: h('stop-release', 10) }],
			SessionEnd: [{ hooks: h('stop-release', 5) }],
			SessionStart: [{ hooks: h('session-start', 10) }],
		},
	};
	fs.writeFileSync(path.join(home, '.claude', 'settings.json'), JSON.stringify(s, null, 2));
}

// ----------------------------------------------------------------- checking

class Check {
	constructor() { this.fails = []; this.notes = []; }
	ok(cond, msg) { if (!cond) this.fails.push(msg); return !!cond; }
	note(msg) { this.notes.push(msg); }
}

async function waitFor(fn, ms, what) {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = fn();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await sleep(100);
	}
}

const word = (n) => new RegExp(`(^|[^0-9])${n}([^0-9]|$)`);
const exists = (f) => fs.existsSync(f);
const read = (f) => { try { return fs.readFileSync(f, 'utf8'); } catch (e) { return null; } };
const short = (s, n = 300) => JSON.stringify(String(s).length > n ? `${String(s).slice(0, n)}...` : String(s));

// A mutating Bash command that holds the session inside one tool call until
// the driver creates `go` (bounded at ~30 s), then writes holder.txt.
const holdCommand = (ws, go) => `for i in $(seq 1 300); do [ -e ${go} ] && break; sleep 0.1; done; echo done > ${ws}/holder.txt`;
const holdTurn = (ws, go) => ({ tool: 'Bash', input: { command: holdCommand(ws, go), description: 'long mutating call', timeout: 60000 } });
// True once a session's long Bash call is really running (its `sleep`).
const bashRunning = (tag) => taggedPids(tag).some((p) => /^(\S*\/)?sleep\0/.test(read(`/proc/${p}/cmdline`) || ''));
const catLockTurn = (home, ws) => ({ tool: 'Bash', input: { command: `cat ${lockPath(home, ws)}`, description: 'show the lock record' } });

function parseJsonMaybe(s) { try { return JSON.parse(s); } catch (e) { return null; } }

// Common assertions on a finished session.
function finishedOk(c, r, who) {
	c.ok(!r.timedOut, `${who}: claude did not finish within ${CLAUDE_LIMIT_MS / 1000} s`);
	c.ok(r.code === 0, `${who}: claude exited ${r.code === null ? r.signal : r.code}; stderr ${short(r.err, 400)}`);
}

// The lock record seen by a `cat` step, checked against the expected holder.
function lockSeen(c, name, turn, want, who) {
	const tr = toolResult(name, turn);
	if (!c.ok(tr, `${who}: no tool_result for the lock-record step`)) return null;
	const rec = parseJsonMaybe(tr.text.trim());
	if (!c.ok(rec, `${who}: the lock record was not there during the turn: ${short(tr.text)}`)) return null;
	if (want.pid !== undefined) c.ok(rec.pid === want.pid, `${who}: lock record pid ${rec.pid}, expected ${want.pid}`);
	if (want.session_id !== undefined) c.ok(rec.session_id === want.session_id, `${who}: lock record session_id ${rec.session_id}, expected ${want.session_id}`);
	if (want.workspace !== undefined) c.ok(rec.workspace === want.workspace, `${who}: lock record workspace ${rec.workspace}, expected ${want.workspace}`);
	return rec;
}

const sessionIdOf = (r) => (r.json && r.json.session_id) || null;
const sessionIdFromLog = (name) => { const e = requests(name).find((x) => x.session); return e ? e.session : null; };

// ---------------------------------------------------------------- scenarios
//
// A group runs one or more sessions and returns results for one or more
// numbered scenarios: [{ id, title, check }]. Groups run in parallel, each
// with its own HOME and workspace(s).

const groups = [];
// A heavy group (one that builds with make, taking every CPU for a while)
// runs after all the others, so that it cannot stretch their timed waits.
function group(ids, fn, { heavy = false } = {}) { groups.push({ ids, fn, heavy }); }

// 0: the harness itself, with a trivial hand-written hook (not the product).
group(['0'], async () => {
	const title = 'harness: a hand-written exit-2 hook blocks Write, the tool_result records it, CLAUDE_PID is the spawned PID';
	const c = new Check();
	const home = makeHome('s0');
	const ws = makeWs('s0');
	const hook = path.join(HERE, 'fake-hook.sh');
	fs.writeFileSync(path.join(home, '.claude', 'settings.json'), JSON.stringify({
		hooks: {
			PreToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: `exec sh ${hook} pre`, timeout: 10 }] }],
			SessionStart: [{ hooks: [{ type: 'command', command: `exec sh ${hook} start`, timeout: 10 }] }],
		},
	}));
	const m = script('s0', [
		{ tool: 'Write', input: { file_path: `${ws}/blocked.txt`, content: 'must not exist\n' } },
		{ tool: 'Bash', input: { command: 'echo "pid=$CLAUDE_PID"', description: 'print CLAUDE_PID' } },
	], 's0 final');
	const s = startClaude({ tag: 's0', home, ws, prompt: `harness self-check ${m}` });
	const r = await s.done;
	finishedOk(c, r, 'session');
	c.ok(r.json && r.json.result === 's0 final', `the -p result is not the scripted final text: ${short(r.out)}`);
	c.ok(!exists(`${ws}/blocked.txt`), 'blocked.txt was written although the hook exited 2');
	const tr = toolResult('s0', 0);
	if (c.ok(tr, 'no tool_result for the Write')) {
		c.ok(tr.isError, 'the Write tool_result is not an error');
		c.ok(tr.text.includes('PreToolUse:Write hook error') && tr.text.includes('e2e fake lock held by pid'), `unexpected Write tool_result ${short(tr.text)}`);
		c.ok(word(s.pid).test(tr.text), `the hook's CLAUDE_PID is not the spawned PID ${s.pid}: ${short(tr.text)}`);
	}
	const tb = toolResult('s0', 1);
	c.ok(tb && tb.text.trim() === `pid=${s.pid}`, `the Bash tool's CLAUDE_PID is not ${s.pid}: ${short(tb && tb.text)}`);
	const first = requests('s0').find((e) => e.turn === 0);
	c.ok(first && JSON.stringify(first.body.messages).includes(`SessionStart hook additional context: e2e fake holder pid ${s.pid}`),
		'the first request lacks the SessionStart additional context');
	// The stand-in itself: requests that are not the scripted conversation
	// (no tools, as title generation sends; no marker) get a harmless text
	// and consume no turn; a repeated request (a retry) gets the same turn.
	const hist = [{ role: 'user', content: `harness self-check ${m}` },
		{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_e2e_s0_0_0', name: 'Write', input: {} }] },
		{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_e2e_s0_0_0', content: 'x' }] }];
	const tools = [{ name: 'Write', input_schema: { type: 'object' } }];
	const probes = [
		[{ model: 'm', max_tokens: 9, messages: hist }, 'extra', undefined],
		[{ model: 'm', max_tokens: 9, tools, messages: [{ role: 'user', content: 'no marker' }] }, 'extra', undefined],
		[{ model: 'm', max_tokens: 9, tools, messages: hist }, 'scripted', 1],
		[{ model: 'm', max_tokens: 9, tools, messages: hist, stream: true }, 'scripted', 1],
	];
	for (const [body, kind, turn] of probes) {
		const got = await post('/v1/messages?beta=true', body);
		const sent = requests().filter((e) => e.session === 'e2e-probe').pop();
		c.ok(got.status === 200 && sent && sent.kind === kind && (turn === undefined || sent.turn === turn),
			`stand-in probe: expected ${kind}${turn === undefined ? '' : ` turn ${turn}`}, got ${got.status} ${sent && sent.kind} ${sent && sent.turn}`);
		if (body.stream) c.ok(/event: message_start[\s\S]*tool_use[\s\S]*input_json_delta[\s\S]*"stop_reason":"tool_use"[\s\S]*event: message_stop/.test(got.text), `stand-in probe: bad SSE stream ${short(got.text)}`);
	}
	const extra = requests().filter((e) => e.session === sessionIdOf(r) && e.kind !== 'scripted').length;
	c.note(`the session sent ${requests('s0').filter((e) => e.session === sessionIdOf(r)).length} scripted request(s), ${extra} other(s)`);
	return [{ id: '0', title, check: c }];
});

// 1: one session writes; the lock is taken during the turn and released after.
group(['1'], async () => {
	const title = 'one session writes: allowed, lock taken during the turn, released after';
	const c = new Check();
	const home = makeHome('s1');
	await installHooks(home);
	const ws = makeWs('s1');
	const m = script('s1', [
		{ tool: 'Write', input: { file_path: `${ws}/one.txt`, content: 'one\n' } },
		catLockTurn(home, ws),
	]);
	const s = startClaude({ tag: 's1', home, ws, prompt: `write one file ${m}` });
	const r = await s.done;
	finishedOk(c, r, 'session');
	c.ok(read(`${ws}/one.txt`) === 'one\n', 'one.txt was not written');
	const tw = toolResult('s1', 0);
	c.ok(tw && !tw.isError, `the Write was refused: ${short(tw && tw.text)}`);
	lockSeen(c, 's1', 1, { pid: s.pid, session_id: sessionIdOf(r), workspace: ws }, 'during the turn');
	c.ok(!exists(lockPath(home, ws)), `the lock file is still there after the session: ${short(read(lockPath(home, ws)))}`);
	const dbg = read(s.debug) || '';
	c.ok(/Hooks: Stop \[[^\]]*stop-release[^\]]*\] finished with status 0/.test(dbg), 'the debug log shows no successful Stop run of stop-release at the end of the turn');
	return [{ id: '1', title, check: c }];
});

// 2, 6, 7, 3: two sessions in one workspace, then a third after both.
group(['2', '6', '6b', '7', '3'], async () => {
	const c2 = new Check();
	const c6 = new Check();
	const c7 = new Check();
	const c3 = new Check();
	const home = makeHome('s2');
	await installHooks(home);
	const ws = makeWs('s2');
	const go = path.join(RUN, 's2', 'go');
	const ma = script('s2a', [
		{ tool: 'Write', input: { file_path: `${ws}/a.txt`, content: 'from A\n' } },
		holdTurn(ws, go),
	]);
	const mb = script('s2b', [
		{ tool: 'Write', input: { file_path: `${ws}/b.txt`, content: 'from B\n' } },
		{ tool: 'Read', input: { file_path: `${ws}/a.txt` } },
		{ tool: 'Bash', input: { command: `ls ${ws}`, description: 'list the workspace' } },
	]);
	const mc = script('s3c', [
		{ tool: 'Write', input: { file_path: `${ws}/c.txt`, content: 'from C\n' } },
		catLockTurn(home, ws),
	]);
	const A = startClaude({ tag: 's2a', home, ws, prompt: `hold the lock ${ma}` });
	let holder = null;
	let rb = null;
	try {
		holder = await waitFor(() => {
			const l = readLock(home, ws);
			return l && l.pid === A.pid && served('s2a', 1) && l;
		}, 30000, `session A (pid ${A.pid}) to hold the lock inside its long Bash call`);
		const B = startClaude({ tag: 's2b', home, ws, prompt: `try to write ${mb}` });
		rb = await B.done;
		finishedOk(c2, rb, 'session B');
	} catch (e) {
		c2.ok(false, e.message);
	}
	fs.writeFileSync(go, '');
	const ra = await A.done;
	const sidA = sessionIdOf(ra) || sessionIdFromLog('s2a');
	finishedOk(c2, ra, 'session A');
	c2.ok(read(`${ws}/a.txt`) === 'from A\n', 'session A could not write a.txt');
	c2.ok(read(`${ws}/holder.txt`) === 'done\n', 'session A\'s long Bash call did not complete');
	if (holder) {
		c2.ok(holder.session_id === sidA, `the lock record names session ${holder.session_id}, not A's ${sidA}`);
	}
	// 2: B's Write blocked, with a message naming A's PID and what to do.
	c2.ok(!exists(`${ws}/b.txt`), 'session B wrote b.txt while A held the lock');
	const tw = toolResult('s2b', 0);
	if (c2.ok(tw, 'session B sent no tool_result for its Write (did it run?)')) {
		c2.ok(tw.isError, `B's Write tool_result is not an error: ${short(tw.text)}`);
		c2.ok(/PreToolUse:Write hook error/.test(tw.text), `B's Write was not refused by the PreToolUse hook: ${short(tw.text)}`);
		c2.ok(word(A.pid).test(tw.text), `B's tool_result does not name A's PID ${A.pid}: ${short(tw.text)}`);
		c2.ok(/session-lock release|wait/.test(tw.text), `B's tool_result does not say what to do: ${short(tw.text)}`);
		c2.note(`model saw: ${short(tw.text, 400)}`);
	}
	// 6: B's Read still runs (meaningful only when B was blocked).
	c6.ok(tw && tw.isError && !exists(`${ws}/b.txt`), 'precondition: session B\'s Write was not blocked');
	const trd = toolResult('s2b', 1);
	if (c6.ok(trd, 'session B sent no tool_result for its Read')) {
		c6.ok(!trd.isError && trd.text.includes('from A'), `B's Read did not run: ${short(trd.text)}`);
	}
	if (rb === null) c6.ok(false, 'session B did not run');
	// 6b: so does a read-only Bash command (the Bash classifier).
	const c6b = new Check();
	c6b.ok(tw && tw.isError && !exists(`${ws}/b.txt`), 'precondition: session B\'s Write was not blocked');
	const tls = toolResult('s2b', 2);
	if (c6b.ok(tls, 'session B sent no tool_result for its `ls`')) {
		c6b.ok(!tls.isError && tls.text.includes('a.txt'), `B's read-only Bash \`ls\` was refused: ${short(tls.text)}`);
	}
	// 7: B's first request carries the SessionStart context naming A.
	const first = requests('s2b').find((e) => e.turn === 0);
	if (c7.ok(first, 'session B sent no request')) {
		const txt = JSON.stringify(first.body.messages);
		const i = txt.indexOf('SessionStart hook additional context');
		if (c7.ok(i >= 0, 'B\'s first request has no "SessionStart hook additional context"')) {
			const ctx = txt.slice(i, i + 600);
			c7.ok(word(A.pid).test(ctx) || (sidA && ctx.includes(sidA.slice(0, 8))), `the SessionStart context does not name A (pid ${A.pid}, session ${sidA}): ${short(ctx)}`);
			c7.note(`model saw: ${short(ctx.split('\\n')[0], 300)}`);
		}
	}
	// 3: after A ended, a new session writes freely (and takes the lock).
	c3.ok(holder, 'precondition: session A was never seen holding the lock');
	c3.ok(!exists(lockPath(home, ws)), `the lock is still held after A and B ended: ${short(read(lockPath(home, ws)))}`);
	const C = startClaude({ tag: 's3c', home, ws, prompt: `write after A ${mc}` });
	const rc = await C.done;
	finishedOk(c3, rc, 'session C');
	const tc = toolResult('s3c', 0);
	c3.ok(tc && !tc.isError, `C's Write was refused: ${short(tc && tc.text)}`);
	c3.ok(read(`${ws}/c.txt`) === 'from C\n', 'c.txt was not written');
	lockSeen(c3, 's3c', 1, { pid: C.pid, session_id: sessionIdOf(rc) }, 'C during its turn');
	c3.ok(!exists(lockPath(home, ws)), 'the lock file is still there after C');
	return [
		{ id: '2', title: 'two sessions: the second one\'s Write is blocked, naming the holder\'s PID and what to do', check: c2 },
		{ id: '3', title: 'after the holder ended, a new session writes freely', check: c3 },
		{ id: '6', title: 'read-only tools of a blocked session still run (Read)', check: c6 },
		{ id: '6b', title: 'a read-only Bash command (ls) of a blocked session still runs', check: c6b },
		{ id: '7', title: 'SessionStart while another session holds the workspace: the model is told who', check: c7 },
	];
});

// 4: the holder is SIGKILLed mid-turn; the next session takes over at once.
group(['4'], async () => {
	const c = new Check();
	const home = makeHome('s4');
	await installHooks(home);
	const ws = makeWs('s4');
	const go = path.join(RUN, 's4', 'go-never');
	const env = { SESSION_LOCK_TTL_MS: '600000' };
	const ma = script('s4a', [
		{ tool: 'Write', input: { file_path: `${ws}/a.txt`, content: 'from A\n' } },
		holdTurn(ws, go),
	]);
	const mc = script('s4c', [
		{ tool: 'Write', input: { file_path: `${ws}/c.txt`, content: 'from C\n' } },
		catLockTurn(home, ws),
	]);
	const A = startClaude({ tag: 's4a', home, ws, prompt: `hold then die ${ma}`, env });
	try {
		await waitFor(() => { const l = readLock(home, ws); return l && l.pid === A.pid && served('s4a', 1); }, 30000, `session A (pid ${A.pid}) to hold the lock`);
		await waitFor(() => bashRunning('s4a'), 15000, 'A\'s Bash call to run');
	} catch (e) {
		c.ok(false, e.message);
	}
	killPid(A.pid, 'SIGKILL');
	const ra = await A.done;
	c.ok(ra.signal === 'SIGKILL', `A ended by ${ra.signal || `exit ${ra.code}`}, not SIGKILL`);
	killTagged('s4a'); // A's orphaned Bash call
	const stale = readLock(home, ws);
	c.ok(stale && stale.pid === A.pid, `precondition: after the SIGKILL the lock should still name A (no SessionEnd ran): ${short(read(lockPath(home, ws)))}`);
	const C = startClaude({ tag: 's4c', home, ws, prompt: `take over ${mc}`, env });
	const rc = await C.done;
	finishedOk(c, rc, 'session C');
	const tc = toolResult('s4c', 0);
	c.ok(tc && !tc.isError, `C's Write was refused after A died: ${short(tc && tc.text)}`);
	c.ok(read(`${ws}/c.txt`) === 'from C\n', 'c.txt was not written');
	const rec = lockSeen(c, 's4c', 1, { pid: C.pid, session_id: sessionIdOf(rc) }, 'C during its turn');
	if (rec && rec.previous) c.note(`previous holder: ${JSON.stringify(rec.previous)}`);
	c.ok(rc.ms < 60000, `C took ${rc.ms} ms`);
	c.note(`C finished ${rc.ms} ms after start (TTL 600 s)`);
	c.ok(!exists(lockPath(home, ws)), 'the lock file is still there after C');
	return [{ id: '4', title: 'holder SIGKILLed mid-turn (no SessionEnd): the next session takes over at once, not after the TTL', check: c }];
});

// 5: a subagent of the holding session writes.
group(['5'], async () => {
	const c = new Check();
	const home = makeHome('s5');
	await installHooks(home);
	const ws = makeWs('s5');
	const subMarker = script('s5sub', [
		{ tool: 'Write', input: { file_path: `${ws}/sub.txt`, content: 'from subagent\n' } },
	], 'subagent done');
	const m = script('s5', [
		{ tool: 'Write', input: { file_path: `${ws}/main.txt`, content: 'from main\n' } },
		{ tool: 'Agent', input: { description: 'e2e subagent write', prompt: `Write sub.txt. ${subMarker}`, subagent_type: 'general-purpose', run_in_background: false } },
		catLockTurn(home, ws),
	]);
	const s = startClaude({ tag: 's5', home, ws, prompt: `delegate ${m}` });
	const r = await s.done;
	finishedOk(c, r, 'session');
	c.ok(read(`${ws}/main.txt`) === 'from main\n', 'the main thread could not write main.txt');
	c.ok(requests('s5sub').length > 0, 'the subagent never sent a request (did the Agent tool run?)');
	const ts = toolResult('s5sub', 0);
	if (c.ok(ts, 'the subagent sent no tool_result for its Write')) {
		c.ok(!ts.isError, `the subagent's Write was refused: ${short(ts.text)}`);
	}
	c.ok(read(`${ws}/sub.txt`) === 'from subagent\n', 'sub.txt was not written by the subagent');
	const ta = toolResult('s5', 1);
	c.ok(ta && !ta.isError, `the Agent call failed: ${short(ta && ta.text)}`);
	const dbg = read(s.debug) || '';
	const pre = (dbg.match(/PreToolUse:Write \[[^\]]*pretooluse-lock[^\]]*\] finished with status 0/g) || []).length;
	c.ok(pre >= 2, `expected our PreToolUse hook to run for both Writes (main and subagent), saw ${pre}`);
	lockSeen(c, 's5', 2, { pid: s.pid, session_id: sessionIdOf(r) }, 'after the subagent');
	c.ok(!exists(lockPath(home, ws)), 'the lock file is still there after the session');
	return [{ id: '5', title: 'a subagent of the holding session writes: allowed (same session)', check: c }];
});

// 8: a corrupt lock file: fail open, and say so.
group(['8'], async () => {
	const c = new Check();
	const home = makeHome('s8');
	await installHooks(home);
	const ws = makeWs('s8');
	const lp = lockPath(home, ws);
	fs.mkdirSync(path.dirname(lp), { recursive: true, mode: 0o700 });
	fs.writeFileSync(lp, '{"schema_version": 1, "session_id": garbage \x00\x01 not json\n');
	const m = script('s8', [
		{ tool: 'Write', input: { file_path: `${ws}/f.txt`, content: 'despite garbage\n' } },
	]);
	const s = startClaude({ tag: 's8', home, ws, prompt: `write despite garbage ${m}` });
	const r = await s.done;
	finishedOk(c, r, 'session');
	const tw = toolResult('s8', 0);
	c.ok(tw && !tw.isError, `the Write was refused: ${short(tw && tw.text)}`);
	c.ok(read(`${ws}/f.txt`) === 'despite garbage\n', 'f.txt was not written (the hook failed closed)');
	// The hook's stderr, as the client logged it for the PreToolUse:Write run.
	const dbg = read(s.debug) || '';
	const lines = dbg.split('\n');
	const idx = lines.findIndex((l) => /PreToolUse:Write \[[^\]]*pretooluse-lock/.test(l));
	if (c.ok(idx >= 0, 'the debug log shows no run of our PreToolUse hook for the Write')) {
		const around = lines.slice(idx, idx + 8).join('\n');
		const m2 = /stderr:\\n(.*?)"?$/m.exec(around);
		const said = m2 ? m2[1] : '';
		c.ok(/corrupt|invalid|not valid|malformed|cannot parse|unreadable/i.test(said) && /session-lock-[0-9a-f]{12}\.json|lock/i.test(said),
			`the hook's stderr does not report the corrupt lock file: ${short(said || around, 500)}`);
		c.note(`hook stderr: ${short(said, 300)}`);
	}
	return [{ id: '8', title: 'a corrupt lock file: the session still works (fail open) and the hook reports it', check: c }];
});

// 9a: a stale lock record of a dead PID is taken over.
group(['9a'], async () => {
	const c = new Check();
	const home = makeHome('s9a');
	await installHooks(home);
	const ws = makeWs('s9a');
	const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
	const deadPid = Number(dead);
	c.ok(deadPid > 0 && !alive(deadPid), `could not find a dead PID (${dead})`);
	const lp = lockPath(home, ws);
	fs.mkdirSync(path.dirname(lp), { recursive: true, mode: 0o700 });
	const now = Date.now();
	fs.writeFileSync(lp, `${JSON.stringify({ schema_version: 1, session_id: '00000000-dead-4000-8000-000000000000', pid: deadPid, acquired_at: now, ttl_ms: 600000, workspace: ws, renewed_at: now, lease_ms: 600000, lease_until: now + 600000, kind: 'claude' })}\n`);
	const m = script('s9a', [
		{ tool: 'Write', input: { file_path: `${ws}/f.txt`, content: 'after stale\n' } },
		catLockTurn(home, ws),
	]);
	const s = startClaude({ tag: 's9a', home, ws, prompt: `take a stale lock ${m}`, env: { SESSION_LOCK_TTL_MS: '600000' } });
	const r = await s.done;
	finishedOk(c, r, 'session');
	const tw = toolResult('s9a', 0);
	c.ok(tw && !tw.isError, `the Write was refused although the holder PID ${deadPid} is dead: ${short(tw && tw.text)}`);
	c.ok(read(`${ws}/f.txt`) === 'after stale\n', 'f.txt was not written');
	lockSeen(c, 's9a', 1, { pid: s.pid, session_id: sessionIdOf(r) }, 'during the turn');
	c.ok(!exists(lp), 'the lock file is still there after the session');
	return [{ id: '9a', title: 'stale lock: a record of a dead PID (lease not over) is taken over', check: c }];
});

// 9b: --resume in a new process is the same holder (session id), new PID.
group(['9b'], async () => {
	const c = new Check();
	const home = makeHome('s9b');
	await installHooks(home);
	const ws = makeWs('s9b');
	const go = path.join(RUN, 's9b', 'go-never');
	const env = { SESSION_LOCK_TTL_MS: '600000' };
	const m1 = script('s9r1', [
		{ tool: 'Write', input: { file_path: `${ws}/r1.txt`, content: 'first process\n' } },
		holdTurn(ws, go),
	]);
	const m2 = script('s9r2', [
		{ tool: 'Write', input: { file_path: `${ws}/r2.txt`, content: 'resumed process\n' } },
		catLockTurn(home, ws),
	]);
	// The first process takes the lock and is killed holding it.
	const R1 = startClaude({ tag: 's9r1', home, ws, prompt: `first ${m1}`, env });
	let held = null;
	try {
		held = await waitFor(() => { const l = readLock(home, ws); return l && l.pid === R1.pid && served('s9r1', 1) && l; }, 30000, `R1 (pid ${R1.pid}) to hold the lock`);
	} catch (e) { c.ok(false, e.message); }
	killPid(R1.pid, 'SIGKILL');
	await R1.done;
	killTagged('s9r1');
	const sid = (held && held.session_id) || sessionIdFromLog('s9r1');
	if (!c.ok(sid, 'no session id for R1')) return [{ id: '9b', title: 'resume', check: c }];
	const R2 = startClaude({ tag: 's9r2', home, ws, prompt: `resumed ${m2}`, args: ['--resume', sid], env });
	const r2 = await R2.done;
	finishedOk(c, r2, 'resumed session');
	c.ok(sessionIdOf(r2) === sid, `--resume ran session ${sessionIdOf(r2)}, not ${sid}`);
	const tw = toolResult('s9r2', 0);
	c.ok(tw && !tw.isError, `the resumed session's Write was refused: ${short(tw && tw.text)}`);
	c.ok(read(`${ws}/r2.txt`) === 'resumed process\n', 'r2.txt was not written');
	lockSeen(c, 's9r2', 1, { pid: R2.pid, session_id: sid }, 'resumed session during its turn');
	c.ok(!exists(lockPath(home, ws)), 'the lock file is still there after the resumed session');
	return [{ id: '9b', title: 'resume: --resume <id> in a new process holds the lock as the same session (new PID)', check: c }];
});

// 9c: SessionEnd releases within the client's 1.5 s budget.
group(['9c'], async () => {
	const c = new Check();
	const home = makeHome('s9c');
	await installHooks(home);
	const ws = makeWs('s9c');
	const go = path.join(RUN, 's9c', 'go-never');
	const m = script('s9c', [
		{ tool: 'Write', input: { file_path: `${ws}/e.txt`, content: 'e\n' } },
		holdTurn(ws, go),
	]);
	// A probe hook of our own, listed before the installed ones, stamps when
	// the SessionEnd hooks start (the client spawns them together, within a
	// few ms), so the duration of stop-release is measured from its start,
	// not from the SIGTERM: the client itself sometimes takes over a second
	// to get to SessionEnd. The measure is approximate (the spawn skew; a
	// stop-release faster than the probe's `date` comes out at ~0).
	const stamp = path.join(RUN, 's9c', 'sessionend-start');
	const sf = path.join(home, '.claude', 'settings.json');
	const st = JSON.parse(fs.readFileSync(sf, 'utf8'));
	st.hooks.SessionEnd = [{ hooks: [{ type: 'command', command: `date +%s%3N >> ${stamp}`, timeout: 5 }] }, ...(st.hooks.SessionEnd || [])];
	fs.writeFileSync(sf, JSON.stringify(st, null, 2));
	const s = startClaude({ tag: 's9c', home, ws, prompt: `end mid-turn ${m}` });
	try {
		await waitFor(() => { const l = readLock(home, ws); return l && l.pid === s.pid && served('s9c', 1); }, 30000, `the session (pid ${s.pid}) to hold the lock`);
		await waitFor(() => bashRunning('s9c'), 15000, 'the Bash call to run');
		await sleep(300);
	} catch (e) { c.ok(false, e.message); }
	// SIGTERM mid-turn: no Stop fires, only SessionEnd (reason "other"),
	// so the release must happen in SessionEnd, inside the client's budget.
	const tTerm = Date.now();
	killPid(s.pid, 'SIGTERM');
	const r = await s.done;
	c.ok(!r.timedOut, 'the session did not exit after SIGTERM');
	killTagged('s9c');
	c.ok(!exists(lockPath(home, ws)), `the lock is still held after the session exited: ${short(read(lockPath(home, ws)))}`);
	const dbg = read(s.debug) || '';
	const line = dbg.split('\n').find((l) => /SessionEnd:\S+ \[[^\]]*stop-release[^\]]*\]/.test(l));
	if (c.ok(line, `the debug log shows no SessionEnd run of stop-release; claude stderr ${short(r.err)}`)) {
		c.ok(/completed with status 0/.test(line), `stop-release at SessionEnd did not finish cleanly: ${short(line)}`);
		const tEnd = Date.parse(line.slice(0, 24));
		const tStartHooks = Number((read(stamp) || '').trim().split('\n')[0]);
		if (c.ok(tStartHooks > 0, 'the probe hook did not record when SessionEnd started')) {
			const ms = Math.max(0, tEnd - tStartHooks);
			c.ok(ms < SESSION_END_WELL_WITHIN_MS, `stop-release took ${ms} ms at SessionEnd (required < ${SESSION_END_WELL_WITHIN_MS} ms; the client's budget is ${SESSION_END_BUDGET_MS} ms)`);
			c.note(`stop-release finished ~${ms} ms after the SessionEnd hooks started (±spawn skew), ${tEnd - tTerm} ms after SIGTERM`);
		}
	}
	c.ok(!/stop-release[^\n]*cancelled|Hook cancelled/.test(dbg + r.err), 'stop-release was cancelled at SessionEnd');
	return [{ id: '9c', title: 'release at SessionEnd (SIGTERM mid-turn): lock gone, stop-release done well within 1.5 s', check: c }];
});

// 10: the inline shell command (`!`cmd``) of a custom slash command and of
// a skill while another session holds the workspace. 2.1.332 runs it after
// PreSkillShellCommand, which install.sh registers there: a writing command
// is blocked (the model reads "[not run: blocked by hook: ...]"), a reading
// one runs. 2.1.330 runs it with no hook at all: the writing command goes
// through, the documented gap of clients before 2.1.332.
group(['10a', '10b', '10c'], async () => {
	const ca = new Check();
	const cb = new Check();
	const cc = new Check();
	const home = makeHome('s10');
	await installHooks(home);
	const ws = makeWs('s10');
	const go = path.join(RUN, 's10', 'go');
	const files = {
		'.claude/commands/touchit.md': '---\ndescription: writes cmd.txt\n---\nCommand output: !`echo from-command > cmd.txt && echo wrote-cmd`\nArgs: $ARGUMENTS\n',
		'.claude/skills/mkfile/SKILL.md': '---\nname: mkfile\ndescription: writes skill.txt\n---\nSkill output: !`echo from-skill > skill.txt && echo wrote-skill`\nArgs: $ARGUMENTS\n',
		'.claude/commands/peek.md': '---\ndescription: lists the workspace\n---\nPeek output: !`ls -1`\nArgs: $ARGUMENTS\n',
	};
	for (const [f, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
		fs.writeFileSync(path.join(ws, f), text);
	}
	const ma = script('s10a', [
		{ tool: 'Write', input: { file_path: `${ws}/a.txt`, content: 'from A\n' } },
		holdTurn(ws, go),
	]);
	const A = startClaude({ tag: 's10a', home, ws, prompt: `hold the lock ${ma}` });
	const runs = {};
	let heldDuring = null;
	try {
		await waitFor(() => { const l = readLock(home, ws); return l && l.pid === A.pid && served('s10a', 1); }, 30000, `session A (pid ${A.pid}) to hold the lock`);
		await waitFor(() => bashRunning('s10a'), 15000, 'A\'s Bash call to run');
		for (const [tag, cmd] of [['s10b', 'touchit'], ['s10c', 'mkfile'], ['s10d', 'peek']]) {
			const m = script(tag, [], `${tag} done`);
			runs[tag] = startClaude({ tag, home, ws, prompt: `/${cmd} ${m}` });
		}
		for (const tag of Object.keys(runs)) runs[tag].r = await runs[tag].done;
		heldDuring = readLock(home, ws);
	} catch (e) {
		ca.ok(false, e.message);
	}
	fs.writeFileSync(go, '');
	const ra = await A.done;
	finishedOk(ca, ra, 'session A');
	ca.ok(heldDuring && heldDuring.pid === A.pid, `A did not hold the lock throughout: ${short(JSON.stringify(heldDuring))}`);
	// What the model read: the command's text with each `!`cmd`` replaced by its output.
	const expanded = (tag) => JSON.stringify((requests(tag).find((e) => e.kind === 'scripted') || { body: {} }).body.messages || '');
	const writer = (c, tag, file, label, out) => {
		const run = runs[tag];
		if (!c.ok(run && run.r, `${label}: the session did not run`)) return;
		finishedOk(c, run.r, label);
		const text = expanded(tag);
		const at = text.indexOf(out);
		c.ok(at >= 0, `${label}: the model's prompt has no "${out}": ${short(text.slice(-600), 600)}`);
		const line = at >= 0 ? text.slice(at, at + 400).split('\\n')[0] : '';
		const dbg = read(run.debug) || '';
		if (HAS_SKILL_EVENT) {
			c.ok(!exists(`${ws}/${file}`), `${label}: ${file} was written while A held the workspace`);
			c.ok(line.includes('[not run: blocked by hook:') && word(A.pid).test(line), `${label}: the model was not told it was blocked by A (pid ${A.pid}): ${short(line)}`);
			c.ok(/PreSkillShellCommand:Bash \[[^\]]*pretooluse-lock[^\]]*\] finished with status 2/.test(dbg), `${label}: the debug log shows no blocking PreSkillShellCommand run of pretooluse-lock`);
		} else {
			c.ok(exists(`${ws}/${file}`), `${label}: ${file} was not written: the gap is no longer there (no hook fires before ${SKILL_EVENT_SINCE})`);
		}
		// what install.sh registered is all known to this client: no Settings Warning
		c.ok(!/Unknown hook event/.test(dbg), `${label}: the client found a hook event it does not know in the settings`);
		c.note(`model read: ${short(line, 300)}`);
	};
	writer(ca, 's10b', 'cmd.txt', 'slash command', 'Command output:');
	writer(cb, 's10c', 'skill.txt', 'skill', 'Skill output:');
	// 10c: a command that only reads runs on every version.
	const pd = runs.s10d;
	if (cc.ok(pd && pd.r, 'the read-only command\'s session did not run')) {
		finishedOk(cc, pd.r, 'read-only command');
		const text = expanded('s10d');
		const at = text.indexOf('Peek output:');
		const out = at >= 0 ? text.slice(at, at + 300) : '';
		cc.ok(out.includes('a.txt') && !out.includes('not run'), `the read-only command did not run: ${short(out || text.slice(-400))}`);
		if (HAS_SKILL_EVENT) {
			cc.ok(/PreSkillShellCommand:Bash \[[^\]]*pretooluse-lock[^\]]*\] finished with status 0/.test(read(pd.debug) || ''), 'the debug log shows no passing PreSkillShellCommand run of pretooluse-lock');
		}
		cc.note(`model read: ${short(out.split('\\n')[0], 200)}`);
	}
	const gap = HAS_SKILL_EVENT ? '' : ` - DOCUMENTED GAP before ${SKILL_EVENT_SINCE}: no hook fires, the write runs`;
	return [
		{ id: '10a', title: `a slash command's inline shell command that writes, while another session holds the workspace: ${HAS_SKILL_EVENT ? 'blocked (PreSkillShellCommand)' : 'runs'}${gap}`, check: ca },
		{ id: '10b', title: `a skill's inline shell command that writes, while another session holds the workspace: ${HAS_SKILL_EVENT ? 'blocked (PreSkillShellCommand)' : 'runs'}${gap}`, check: cb },
		{ id: '10c', title: 'a slash command\'s inline shell command that only reads runs while another session holds the workspace', check: cc },
	];
});

// 11: a background Bash command. The turn's Stop keeps the lock while it
// runs (Stop's background_tasks lists it as running); no hook event reports
// its end, but the client then starts a turn of its own (a <task-notification>
// prompt), and that turn's Stop, with background_tasks empty, releases.
group(['11'], async () => {
	const c = new Check();
	const home = makeHome('s11');
	await installHooks(home);
	const ws = makeWs('s11');
	const go = path.join(RUN, 's11', 'go');
	const m = script('s11', [
		{ tool: 'Bash', input: { command: holdCommand(ws, go), description: 'background writer', run_in_background: true } },
	], 's11 done');
	const s = startClaude({ tag: 's11', home, ws, prompt: `write in the background ${m}` });
	const stopRuns = () => ((read(s.debug) || '').match(/^(\S+) .*Hooks: Stop \[[^\]]*stop-release[^\]]*\] finished with status 0/gm) || []);
	let tGo = 0;
	try {
		await waitFor(() => stopRuns().length >= 1, 40000, 'the first Stop (while the background command runs)');
		const l = readLock(home, ws);
		c.ok(l && l.pid === s.pid, `the lock was not kept at the Stop while the background command ran: ${short(read(lockPath(home, ws)))}`);
		c.ok(!exists(`${ws}/holder.txt`), 'precondition: the background command ended before the driver let it');
	} catch (e) {
		c.ok(false, e.message);
	}
	tGo = Date.now();
	fs.writeFileSync(go, '');
	const r = await s.done;
	finishedOk(c, r, 'session');
	c.ok(read(`${ws}/holder.txt`) === 'done\n', 'the background command did not complete');
	c.ok(!exists(lockPath(home, ws)), 'the lock is still there after the session');
	const stops = stopRuns();
	c.ok(stops.length >= 2, `expected a second Stop after the background command ended, saw ${stops.length}`);
	const log = (read(path.join(home, '.claude', 'runtime', 'session-lock.log')) || '').split('\n').map(parseJsonMaybe).filter(Boolean);
	const rel = log.find((e) => e.event === 'release' && e.pid === s.pid);
	if (c.ok(rel, `the audit log has no release by pid ${s.pid}`) && stops.length >= 2) {
		const t2 = Date.parse(stops[1].split(' ')[0]);
		c.ok(rel.ts >= tGo, 'the lock was released before the background command was let end');
		c.ok(rel.ts <= t2, `the lock was released after the second Stop (at SessionEnd?): release ${rel.ts}, Stop ${t2}`);
		c.note(`released ${rel.ts - tGo} ms after the background command was let end, at the follow-up turn's Stop`);
	}
	return [{ id: '11', title: 'a background Bash command: the lock is kept at Stop while it runs, and released at the Stop of the turn its end starts', check: c }];
});

// ------------------------------------------------------------------- the plugin
//
// The source tree is also a plugin (.claude-plugin/, plugin/hooks.json,
// plugin/ensure-built.sh). These scenarios install it as users do, in the
// scenario's HOME: from a marketplace whose plugin is fetched with git (as
// from GitHub: the client copies it into ~/.claude/plugins/cache and runs it
// there), from the repository's own marketplace in a local directory (the
// client runs it in place), or with --plugin-dir. Every copy starts without
// bin/: the first session start builds it.

const PLUGIN_PROGRAMS = ['pretooluse-lock', 'posttooluse-refresh', 'stop-release', 'session-start', 'session-lock'];
// A session whose start may build the plugin: the build's own limit is 540 s.
const BUILD_LIMIT_MS = 300000;
const OUR_FILES = new Set(['pretooluse-lock', 'posttooluse-refresh', 'stop-release', 'session-start', 'session-lock',
	'.stamp', '.placeholder', 'builds.log', 'last-build.log']);

// A copy of the source tree as a user gets it: no bin/, no build/, no .git.
function sourceCopy(dest) {
	const skip = new Set(['bin', 'build', '.git'].map((d) => path.join(ROOT, d)));
	fs.cpSync(ROOT, dest, { recursive: true, filter: (src) => !skip.has(src) });
	return dest;
}

// `claude ARGS...` (plugin management) in home; returns { status, text }.
function claudeCli(home, args, cwd = RUN) {
	const r = spawnSync(CLAUDE, args, { cwd, env: baseEnv(home), encoding: 'utf8', timeout: 120000 });
	const text = `${r.stdout || ''}${r.stderr || ''}`;
	fs.appendFileSync(path.join(LOGS, 'plugin-cli.log'), `== HOME=${home} claude ${args.join(' ')} -> ${r.status}\n${text}\n`);
	return { status: r.status === null ? r.signal : r.status, text };
}
function mustCli(home, args, cwd) {
	const r = claudeCli(home, args, cwd);
	if (r.status !== 0) throw new Error(`claude ${args.join(' ')} exited ${r.status}: ${r.text.trim().split('\n').slice(-3).join(' | ')}`);
	return r;
}

// The installPath of plugin id in home's installed_plugins.json (user scope), or null.
function installPath(home, id) {
	try {
		const j = JSON.parse(fs.readFileSync(path.join(home, '.claude', 'plugins', 'installed_plugins.json'), 'utf8'));
		const rec = (j.plugins[id] || []).find((x) => x.scope === 'user');
		return rec ? rec.installPath : null;
	} catch (e) { return null; }
}

// The debug log's runs of a hook: [{ event, cmd, status, ms, at }] for commands containing `prog`.
function hookRuns(debug, prog) {
	const out = [];
	const re = /^(\S+) \[DEBUG\] Hooks: (\S+) \[([^\]]*)\][^\n]* finished with status (-?\d+) \((\d+)ms\)/gm;
	let m;
	const text = read(debug) || '';
	while ((m = re.exec(text)) !== null) {
		if (m[3].includes(prog)) out.push({ at: Date.parse(m[1]), event: m[2], cmd: m[3], status: Number(m[4]), ms: Number(m[5]) });
	}
	return out;
}

const builds = (root) => ((read(path.join(root, 'build', 'plugin', 'builds.log')) || '').match(/ built in /g) || []).length;
const auditLog = (home) => (read(path.join(home, '.claude', 'runtime', 'session-lock.log')) || '').split('\n').map(parseJsonMaybe).filter(Boolean);

// Files of ours (by name) under dir, outside the directories in `except`.
function ourFiles(dir, except) {
	const found = [];
	const walk = (d) => {
		let ents;
		try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch (e) { return; }
		for (const e of ents) {
			const p = path.join(d, e.name);
			if (except.some((x) => p === x || p.startsWith(`${x}/`))) continue;
			if (e.isDirectory()) walk(p);
			else if (OUR_FILES.has(e.name)) found.push(p);
		}
	};
	walk(dir);
	return found;
}

// `session-lock doctor` of a bin directory, in ws, for home; returns its output.
function doctor(bin, home, ws) {
	const r = spawnSync(path.join(bin, 'session-lock'), ['doctor'], {
		cwd: ws, encoding: 'utf8', timeout: 60000,
		// ~/.local/bin as a login shell has it (Debian's ~/.profile): install.sh links session-lock there.
		env: { PATH: `${path.join(home, '.local', 'bin')}:${CLAUDE_ON_PATH}:/usr/bin:/bin`, HOME: home, LANG: 'C.UTF-8' },
	});
	return { status: r.status, text: `${r.stdout || ''}${r.stderr || ''}` };
}

// 12: installed from a marketplace that fetches it with git, as from GitHub.
group(['12a', '12b', '12c'], async () => {
	const ca = new Check();
	const cb = new Check();
	const cc = new Check();
	const results = () => [
		{ id: '12a', title: 'plugin from a git marketplace: validates, installs a copy without bin/, two sessions starting at once build it once and write', check: ca },
		{ id: '12b', title: 'plugin: a second session\'s Write is blocked with the holder\'s PID; the holder releases at Stop', check: cb },
		{ id: '12c', title: 'plugin uninstalled: no hook runs; the copy with its build goes when the client removes it; only the lock records and the log stay', check: cc },
	];
	const home = makeHome('s12');
	const src = sourceCopy(path.join(RUN, 's12', 'src'));
	// validate, offline: PreSkillShellCommand is unknown to 2.1.330 (a warning, entry ignored)
	const v = claudeCli(home, ['plugin', 'validate', src]);
	ca.ok(v.status === 0 && /Validation passed/.test(v.text), `claude plugin validate failed (${v.status}): ${short(v.text.slice(-600), 600)}`);
	if (HAS_SKILL_EVENT) ca.ok(!/unknown hook event/.test(v.text), `validate warns about a hook event: ${short(v.text, 600)}`);
	else ca.ok(/PreSkillShellCommand: unknown hook event/.test(v.text), `validate does not warn about PreSkillShellCommand on ${VERSION}`);
	ca.note(`validate: ${v.text.includes('warning') ? 'passed with warnings' : 'passed'}`);
	// a git repository of the source, and a marketplace that fetches the plugin from it
	const git = (args) => spawnSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', ...args], { cwd: src, encoding: 'utf8' });
	for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-qm', 'e2e']]) {
		const r = git(args);
		if (r.status !== 0) { ca.ok(false, `git ${args.join(' ')}: ${r.error ? r.error.message : r.stderr}`); return results(); }
	}
	const mkt = path.join(RUN, 's12', 'mkt');
	fs.mkdirSync(path.join(mkt, '.claude-plugin'), { recursive: true });
	fs.mkdirSync(path.join(mkt, 'keeper', '.claude-plugin'), { recursive: true });
	fs.writeFileSync(path.join(mkt, 'keeper', '.claude-plugin', 'plugin.json'), JSON.stringify({ name: 'keeper', version: '1.0.0', description: 'another plugin, which stays installed', author: { name: 'e2e' } }));
	fs.writeFileSync(path.join(mkt, '.claude-plugin', 'marketplace.json'), JSON.stringify({
		name: 'e2e-git', owner: { name: 'e2e' },
		plugins: [
			{ name: 'session-lock', source: { source: 'url', url: `file://${src}/.git` }, description: 'claude-session-lock' },
			{ name: 'keeper', source: './keeper', description: 'another plugin' },
		],
	}));
	let root = null;
	try {
		mustCli(home, ['plugin', 'marketplace', 'add', mkt]);
		mustCli(home, ['plugin', 'install', 'session-lock@e2e-git']);
		mustCli(home, ['plugin', 'install', 'keeper@e2e-git']);
		root = installPath(home, 'session-lock@e2e-git');
	} catch (e) {
		ca.ok(false, e.message);
		return results();
	}
	if (!ca.ok(root && exists(path.join(root, 'plugin', 'ensure-built.sh')), `no installed copy: ${root}`)) return results();
	ca.ok(!exists(path.join(root, 'bin')), `the installed copy already has a bin/: ${root}`);

	// 12a: the first start, twice at once
	const w1 = makeWs('s12', 'ws1');
	const w2 = makeWs('s12', 'ws2');
	const s1 = startClaude({ tag: 's12a1', home, ws: w1, prompt: `first start ${script('s12a1', [{ tool: 'Write', input: { file_path: `${w1}/one.txt`, content: 'one\n' } }, catLockTurn(home, w1)])}`, limitMs: BUILD_LIMIT_MS });
	const s2 = startClaude({ tag: 's12a2', home, ws: w2, prompt: `first start ${script('s12a2', [{ tool: 'Write', input: { file_path: `${w2}/two.txt`, content: 'two\n' } }, catLockTurn(home, w2)])}`, limitMs: BUILD_LIMIT_MS });
	const [r1, r2] = await Promise.all([s1.done, s2.done]);
	finishedOk(ca, r1, 'session 1');
	finishedOk(ca, r2, 'session 2');
	ca.ok(read(`${w1}/one.txt`) === 'one\n' && read(`${w2}/two.txt`) === 'two\n', 'a first-start session could not write');
	lockSeen(ca, 's12a1', 1, { pid: s1.pid, session_id: sessionIdOf(r1) }, 'session 1 during its turn');
	lockSeen(ca, 's12a2', 1, { pid: s2.pid, session_id: sessionIdOf(r2) }, 'session 2 during its turn');
	ca.ok(builds(root) === 1, `built ${builds(root)} times, expected once: ${short(read(path.join(root, 'build', 'plugin', 'builds.log')))}`);
	for (const p of PLUGIN_PROGRAMS) ca.ok(exists(path.join(root, 'bin', p)), `bin/${p} was not built in the plugin's copy`);
	ca.ok(!exists(path.join(root, 'bin', '.placeholder')), 'bin/ still holds placeholders');
	const starts = [s1, s2].map((s) => hookRuns(s.debug, 'ensure-built.sh').find((x) => x.event.startsWith('SessionStart')));
	ca.ok(starts.every((x) => x && x.status === 0 && x.cmd === `${root}/plugin/ensure-built.sh`), `SessionStart did not run ${root}/plugin/ensure-built.sh cleanly: ${JSON.stringify(starts)}`);
	ca.ok([s1, s2].every((s) => hookRuns(s.debug, `${root}/bin/pretooluse-lock`).some((x) => x.event === 'PreToolUse:Write' && x.status === 0)), 'the plugin\'s pretooluse-lock did not run for the Writes');
	if (starts.every(Boolean)) ca.note(`first start: SessionStart took ${starts.map((x) => x.ms).sort((a, b) => b - a).join(' ms and ')} ms (one built, the other waited); ${(read(path.join(root, 'build', 'plugin', 'builds.log')) || '').trim()}`);

	// 12b: a holder and a blocked session, then the release at Stop
	const ws = makeWs('s12', 'ws3');
	const go = path.join(RUN, 's12', 'go');
	const A = startClaude({ tag: 's12b1', home, ws, prompt: `hold ${script('s12b1', [{ tool: 'Write', input: { file_path: `${ws}/a.txt`, content: 'from A\n' } }, holdTurn(ws, go)])}` });
	let tw = null;
	try {
		await waitFor(() => { const l = readLock(home, ws); return l && l.pid === A.pid && served('s12b1', 1); }, 30000, `session A (pid ${A.pid}) to hold the lock`);
		const B = startClaude({ tag: 's12b2', home, ws, prompt: `try ${script('s12b2', [{ tool: 'Write', input: { file_path: `${ws}/b.txt`, content: 'from B\n' } }])}` });
		finishedOk(cb, await B.done, 'session B');
		tw = toolResult('s12b2', 0);
		const dr = doctor(path.join(root, 'bin'), home, ws);
		cb.ok(dr.status === 0 && dr.text.includes('hooks registered by the plugin session-lock@e2e-git'), `doctor does not see the plugin: ${short(dr.text, 600)}`);
	} catch (e) {
		cb.ok(false, e.message);
	}
	fs.writeFileSync(go, '');
	const ra = await A.done;
	finishedOk(cb, ra, 'session A');
	cb.ok(!exists(`${ws}/b.txt`), 'session B wrote b.txt while A held the lock');
	if (cb.ok(tw, 'session B sent no tool_result for its Write')) {
		cb.ok(tw.isError && /PreToolUse:Write hook error/.test(tw.text) && word(A.pid).test(tw.text), `B's Write was not blocked naming A's pid ${A.pid}: ${short(tw.text)}`);
		cb.note(`model saw: ${short(tw.text, 300)}`);
	}
	cb.ok(!exists(lockPath(home, ws)), 'the lock is still there after A ended');
	const stop = hookRuns(A.debug, `${root}/bin/stop-release`).find((x) => x.event === 'Stop');
	const rel = auditLog(home).find((e) => e.event === 'release' && e.pid === A.pid);
	if (cb.ok(stop && stop.status === 0, 'A\'s debug log shows no Stop run of the plugin\'s stop-release') && cb.ok(rel, `the audit log has no release by A (pid ${A.pid})`)) {
		cb.ok(rel.ts <= stop.at, `released after A's Stop hook finished (at SessionEnd?): release ${rel.ts}, Stop ${stop.at}`);
	}
	cb.ok(builds(root) === 1, `rebuilt at a later start: ${builds(root)} builds`);
	const again = hookRuns(A.debug, 'ensure-built.sh').find((x) => x.event.startsWith('SessionStart'));
	if (again) cb.note(`a later start: SessionStart took ${again.ms} ms (bin/ current, then session-start)`);

	// 12c: uninstall; what is left
	try {
		mustCli(home, ['plugin', 'uninstall', 'session-lock@e2e-git']);
	} catch (e) {
		cc.ok(false, e.message);
		return results();
	}
	const w4 = makeWs('s12', 'ws4');
	const C = startClaude({ tag: 's12c', home, ws: w4, prompt: `after uninstall ${script('s12c', [{ tool: 'Write', input: { file_path: `${w4}/c.txt`, content: 'c\n' } }, catLockTurn(home, w4)])}` });
	const rc = await C.done;
	finishedOk(cc, rc, 'session after uninstall');
	cc.ok(read(`${w4}/c.txt`) === 'c\n', 'the Write after uninstall did not run');
	const tl = toolResult('s12c', 1);
	cc.ok(tl && !parseJsonMaybe(tl.text.trim()), `a lock was taken after uninstall: ${short(tl && tl.text)}`);
	cc.ok(hookRuns(C.debug, root).length === 0, `a hook of the uninstalled plugin ran: ${JSON.stringify(hookRuns(C.debug, root))}`);
	cc.ok(exists(path.join(root, '.orphaned_at')), `the client did not mark the copy for removal: ${root}`);
	const runtime = path.join(home, '.claude', 'runtime');
	const stray = ourFiles(home, [root, runtime]);
	cc.ok(stray.length === 0, `files of ours outside the plugin's copy: ${stray.join(' ')}`);
	const data = path.join(home, '.claude', 'plugins', 'data');
	const dataFiles = exists(data) ? fs.readdirSync(data, { recursive: true }).filter((f) => fs.statSync(path.join(data, f)).isFile()) : [];
	cc.ok(dataFiles.length === 0, `files in the plugins' data directory: ${dataFiles.join(' ')}`);
	// The client deletes an uninstalled copy 14 days after it marked it, at a
	// session start (while another plugin is installed): pretend the days passed.
	const old = new Date(Date.now() - 15 * 24 * 3600 * 1000);
	fs.utimesSync(path.join(root, '.orphaned_at'), old, old);
	// The removal runs in the background of a session and may be cut short
	// by its exit (2.1.330 left part of the tree once): a few sessions, each
	// going on with it.
	let later = 0;
	while (exists(root) && later < 3) {
		const tag = `s12d${later++}`;
		const D = startClaude({ tag, home, ws: w4, prompt: `later ${script(tag, [{ tool: 'Bash', input: { command: 'sleep 1', description: 'wait a second' } }])}` });
		finishedOk(cc, await D.done, 'a session 15 days later');
	}
	cc.ok(!exists(root), `the uninstalled copy is still there after its 14 days and ${later} sessions: ${root}`);
	cc.note(`the client removed the uninstalled copy in ${later} session(s) once its mark was 15 days old`);
	const left = ourFiles(home, [runtime]);
	cc.ok(left.length === 0, `files of ours left in HOME: ${left.join(' ')}`);
	cc.ok(exists(path.join(runtime, 'session-lock.log')), 'the audit log is gone (it should stay)');
	cc.note(`left in ${runtime}: ${exists(runtime) ? fs.readdirSync(runtime).join(' ') : '(none)'}`);
	return results();
}, { heavy: true });

// 13: install.sh's hooks and the plugin's at once (the repository's own
// marketplace, a local directory, which the client runs in place): each
// tool call runs both; that must be harmless, and doctor says so.
group(['13'], async () => {
	const c = new Check();
	const title = 'install.sh and the plugin both: each call runs both hooks, harmlessly (one acquire, one release, the block names the holder); doctor says both';
	const home = makeHome('s13');
	await installHooks(home);
	const src = sourceCopy(path.join(RUN, 's13', 'src'));
	try {
		mustCli(home, ['plugin', 'marketplace', 'add', src]);
		mustCli(home, ['plugin', 'install', 'session-lock@session-lock']);
	} catch (e) {
		c.ok(false, e.message);
		return [{ id: '13', title, check: c }];
	}
	const ws = makeWs('s13');
	const go = path.join(RUN, 's13', 'go');
	const A = startClaude({ tag: 's13a', home, ws, prompt: `hold ${script('s13a', [{ tool: 'Write', input: { file_path: `${ws}/a.txt`, content: 'from A\n' } }, holdTurn(ws, go)])}`, limitMs: BUILD_LIMIT_MS });
	let tw = null;
	let B = null;
	try {
		await waitFor(() => { const l = readLock(home, ws); return l && l.pid === A.pid && served('s13a', 1); }, BUILD_LIMIT_MS - 30000, `session A (pid ${A.pid}) to hold the lock`);
		B = startClaude({ tag: 's13b', home, ws, prompt: `try ${script('s13b', [{ tool: 'Write', input: { file_path: `${ws}/b.txt`, content: 'from B\n' } }])}` });
		finishedOk(c, await B.done, 'session B');
		tw = toolResult('s13b', 0);
		const dr = doctor(path.join(PREFIX, 'bin'), home, ws);
		c.ok(dr.status === 0 && /registered twice/.test(dr.text) && dr.text.includes(`the plugin session-lock@session-lock ('${src}')`), `doctor does not report both: ${short(dr.text, 800)}`);
	} catch (e) {
		c.ok(false, e.message);
	}
	fs.writeFileSync(go, '');
	finishedOk(c, await A.done, 'session A');
	c.ok(builds(src) === 1, `the plugin (run in place, ${src}) was built ${builds(src)} times`);
	const mine = `${PREFIX}/bin/pretooluse-lock`;
	const theirs = `${src}/bin/pretooluse-lock`;
	const aw = hookRuns(A.debug, 'pretooluse-lock').filter((x) => x.event === 'PreToolUse:Write');
	c.ok(aw.some((x) => x.cmd === mine && x.status === 0) && aw.some((x) => x.cmd === theirs && x.status === 0), `A's Write did not run both pretooluse-lock: ${JSON.stringify(aw)}`);
	if (B) {
		const bw = hookRuns(B.debug, 'pretooluse-lock').filter((x) => x.event === 'PreToolUse:Write');
		c.ok(bw.some((x) => x.cmd === mine && x.status === 2) && bw.some((x) => x.cmd === theirs && x.status === 2), `B's Write was not blocked by both: ${JSON.stringify(bw)}`);
	}
	c.ok(!exists(`${ws}/b.txt`), 'session B wrote b.txt while A held the lock');
	if (c.ok(tw && tw.isError, 'B\'s Write was not refused')) {
		c.ok(word(A.pid).test(tw.text), `B's tool_result does not name A's pid ${A.pid}: ${short(tw.text)}`);
		c.note(`model saw: ${short(tw.text, 600)}`);
	}
	const log = auditLog(home).filter((e) => e.workspace === ws);
	const count = (ev) => log.filter((e) => e.event === ev).length;
	c.ok(count('acquire') === 1 && count('release') === 1 && count('takeover') === 0, `audit log: ${count('acquire')} acquire, ${count('release')} release, ${count('takeover')} takeover (want 1, 1, 0)`);
	c.ok(!exists(lockPath(home, ws)), 'the lock is still there after A ended');
	const ms = (prog) => hookRuns(A.debug, prog).filter((x) => x.event.startsWith('PreToolUse') || x.event.startsWith('PostToolUse')).map((x) => `${x.ms}`);
	c.note(`audit log: ${count('acquire')} acquire, ${count('block')} block lines for B's one call, ${count('release')} release`);
	c.note(`A's Pre/PostToolUse hook times (client's debug log, ms): install.sh's ${ms(`${PREFIX}/bin/`).join(', ')}; the plugin's ${ms(`${src}/bin/`).join(', ')}`);
	// B's start, side by side: session-start alone (install.sh's) and ensure-built.sh finding bin/ current
	const bs = (prog) => (B ? hookRuns(B.debug, prog).find((x) => x.event.startsWith('SessionStart')) : null);
	const [direct, viaPlugin] = [bs(`${PREFIX}/bin/session-start`), bs(`${src}/plugin/ensure-built.sh`)];
	if (direct && viaPlugin) c.note(`B's SessionStart: install.sh's session-start ${direct.ms} ms, the plugin's ensure-built.sh (built, then session-start) ${viaPlugin.ms} ms`);
	return [{ id: '13', title, check: c }];
}, { heavy: true });

// 14: the build dependencies are missing (a dpkg-query that knows none):
// placeholders let every tool run, the user is told once what to install,
// and no hook fails, on any tool call.
group(['14'], async () => {
	const c = new Check();
	const title = 'plugin without its build dependencies: every tool runs, no hook error, one message naming the packages';
	const home = makeHome('s14');
	const src = sourceCopy(path.join(RUN, 's14', 'src'));
	const fake = path.join(RUN, 's14', 'fakebin');
	fs.mkdirSync(fake);
	fs.writeFileSync(path.join(fake, 'dpkg-query'), '#!/bin/sh\n# nothing is installed\nexit 0\n', { mode: 0o755 });
	const ws = makeWs('s14');
	const env = { PATH: `${fake}:${baseEnv(home).PATH}` };
	const m = script('s14', [
		{ tool: 'Write', input: { file_path: `${ws}/w.txt`, content: 'w\n' } },
		{ tool: 'Bash', input: { command: `echo b > ${ws}/b.txt`, description: 'write with Bash' } },
	]);
	const s = startClaude({ tag: 's14', home, ws, prompt: `no build ${m}`, args: ['--plugin-dir', src], env });
	const r = await s.done;
	finishedOk(c, r, 'session');
	c.ok(read(`${ws}/w.txt`) === 'w\n' && read(`${ws}/b.txt`) === 'b\n', 'a tool did not run');
	const dbg = read(s.debug) || '';
	const msg = (dbg.match(/"systemMessage": ?"(session-lock: [^"]*)"/) || [])[1];
	if (c.ok(msg, 'the SessionStart hook gave no systemMessage')) {
		c.ok(/lock is OFF/.test(msg) && /gcc/.test(msg) && /libcjson-dev/.test(msg), `the message does not say what to install: ${short(msg)}`);
		c.note(`the user reads: ${short(msg, 400)}`);
	}
	const runs = hookRuns(s.debug, `${src}/`);
	c.ok(runs.length >= 6, `expected our hooks to run at SessionStart, Pre/PostToolUse x2 and Stop, saw ${runs.length}`);
	c.ok(runs.every((x) => x.status === 0), `a hook of ours did not exit 0: ${JSON.stringify(runs.filter((x) => x.status !== 0))}`);
	const bad = dbg.split('\n').filter((l) => l.includes(src) && /ENOENT|failed to (start|spawn)|hook failed/i.test(l));
	c.ok(bad.length === 0, `hook errors: ${short(bad.join(' | '), 600)}`);
	c.ok(exists(path.join(src, 'bin', '.placeholder')) && !exists(path.join(src, 'build', 'plugin', 'builds.log')), 'no placeholders, or a build was tried');
	c.ok(!exists(path.join(home, '.claude', 'runtime')) || fs.readdirSync(path.join(home, '.claude', 'runtime')).every((f) => !f.endsWith('.json')), 'a lock was taken by a placeholder');
	return [{ id: '14', title, check: c }];
});

// 15: the blocked-session loop (issue 9). A holds the workspace inside a
// long Bash call; B's Write is blocked with a reason that names A, says A is
// running a Bash command and gives the one command to run; B looks
// (`session-lock status` through Bash, read-only while blocked), then runs
// that command, which queues B; A's next PostToolUse tells A that B waits;
// A's turn ends; B's wait takes the lock for B and B's retried Write passes
// in the same turn.
group(['15'], async () => {
	const c = new Check();
	const home = makeHome('s15');
	await installHooks(home);
	const ws = makeWs('s15');
	const go = path.join(RUN, 's15', 'go');
	const sl = path.join(PREFIX, 'bin', 'session-lock');
	const waitCmd = `${sl} wait '${ws}'`;
	const hold = `for i in $(seq 1 1200); do [ -e ${go} ] && break; sleep 0.1; done; echo done > ${ws}/holder.txt`;
	const ma = script('s15a', [
		{ tool: 'Write', input: { file_path: `${ws}/a.txt`, content: 'from A\n' } },
		{ tool: 'Bash', input: { command: hold, description: 'long mutating call', timeout: 150000 } },
	]);
	const mb = script('s15b', [
		{ tool: 'Write', input: { file_path: `${ws}/b.txt`, content: 'from B\n' } },
		{ tool: 'Bash', input: { command: `${sl} status`, description: 'who holds the workspace' } },
		{ tool: 'Bash', input: { command: waitCmd, description: 'wait for the lock', timeout: 120000 } },
		{ tool: 'Write', input: { file_path: `${ws}/b.txt`, content: 'from B\n' } },
	]);
	const limitMs = 200000;
	const A = startClaude({ tag: 's15a', home, ws, prompt: `hold the lock ${ma}`, limitMs });
	let B = null;
	try {
		await waitFor(() => {
			const l = readLock(home, ws);
			return l && l.pid === A.pid && served('s15a', 1) && bashRunning('s15a');
		}, 60000, `session A (pid ${A.pid}) to hold the lock inside its long Bash call`);
		B = startClaude({ tag: 's15b', home, ws, prompt: `write, then wait your turn ${mb}`, limitMs });
		const queue = lockPath(home, ws).replace(/\.json$/, '.queue');
		await waitFor(() => (read(queue) || '').trim().length > 0, 120000, 'session B\'s `session-lock wait` to join the queue');
	} catch (e) {
		c.ok(false, e.message);
	}
	fs.writeFileSync(go, '');
	const ra = await A.done;
	finishedOk(c, ra, 'session A');
	const rb = B ? await B.done : null;
	if (rb) finishedOk(c, rb, 'session B');
	// B's first Write: blocked, the reason written for the model.
	const tw = toolResult('s15b', 0);
	if (c.ok(tw, 'session B sent no tool_result for its first Write')) {
		c.ok(tw.isError, `B's first Write was not refused: ${short(tw.text)}`);
		c.ok(/^PreToolUse:Write hook error: Parallel session lock: /.test(tw.text), `B's reason has the command path in front, or another start: ${short(tw.text)}`);
		c.ok(word(A.pid).test(tw.text), `B's reason does not name A's pid ${A.pid}: ${short(tw.text)}`);
		c.ok(tw.text.includes('running a Bash command for'), `B's reason does not say A is running a Bash command: ${short(tw.text)}`);
		c.ok(tw.text.includes(`Next: run \`${waitCmd}\``), `B's reason does not give the wait command ${waitCmd}: ${short(tw.text)}`);
		c.ok(!/release/.test(tw.text), `B's reason gives advice that cannot work: ${short(tw.text)}`);
		c.note(`model saw: ${short(tw.text, 700)}`);
	}
	// B looks while blocked: status runs through the Bash tool.
	const ts = toolResult('s15b', 1);
	if (c.ok(ts, 'session B sent no tool_result for `session-lock status`')) {
		// It ran (not refused by the hook) and says who holds; its exit status 1 ("held") shows as "Exit code 1".
		c.ok(!/hook error/.test(ts.text) && /verdict:\s+held/.test(ts.text) && word(A.pid).test(ts.text), `B's \`session-lock status\` did not run or did not say held by A: ${short(ts.text)}`);
	}
	// B's wait: returned 0 with the lock now B's.
	const tq = toolResult('s15b', 2);
	if (c.ok(tq, 'session B sent no tool_result for `session-lock wait`')) {
		c.ok(!tq.isError && tq.text.includes('is now this session\'s'), `B's wait did not take the lock: ${short(tq.text)}`);
		c.note(`wait printed: ${short(tq.text.trim(), 200)}`);
	}
	// B's retried Write, same turn: passes.
	const tw2 = toolResult('s15b', 3);
	if (c.ok(tw2, 'session B sent no tool_result for its retried Write')) {
		c.ok(!tw2.isError, `B's retried Write was refused: ${short(tw2.text)}`);
	}
	c.ok(read(`${ws}/b.txt`) === 'from B\n', 'b.txt was not written by B\'s retried Write');
	c.ok(read(`${ws}/holder.txt`) === 'done\n', 'A\'s long Bash call did not complete');
	// A heard that B waits (PostToolUse additionalContext of its long call).
	const heard = requests('s15a').map((e) => JSON.stringify(e.body && e.body.messages)).find((t) => t && t.includes('has been waiting since'));
	if (c.ok(heard, 'session A was never told that session B waits')) {
		const i = heard.indexOf('claude-session-lock: session ');
		c.note(`holder saw: ${short(heard.slice(i, i + 300), 300)}`);
	}
	c.ok(!exists(lockPath(home, ws)), `the lock is still held after both sessions: ${short(read(lockPath(home, ws)))}`);
	return [{ id: '15', title: 'a blocked session runs the wait from its reason, the holder hears it waits, and the blocked Write passes in the same turn once the holder\'s turn ends', check: c }];
});

// 16: the "paths" scope, turned on as users do, by the project's
// .claude/session-lock.json. A writes a.txt (a claim on that file, not the
// workspace) and keeps its turn open in a read-only Bash call; B, in the
// same workspace, writes b.txt (passes), reads a.txt, writes a.txt (blocked:
// A's claim, named), runs `touch c.txt` (blocked: a changing Bash command
// needs the whole workspace), shows the record (both holders, one claim
// each) and keeps its own turn open. A then writes a2.txt while B holds
// b.txt, and ends its turn: its Stop releases A's claims only. B ends:
// nothing is held. Every wait is on a file the driver creates, never on a
// race won in time.
group(['16'], async () => {
	const c = new Check();
	const title = 'the paths scope (project config): two sessions write different files at once; B\'s Write of A\'s file and B\'s changing Bash command are blocked naming A\'s claim; each turn\'s end releases only its own claims';
	const home = makeHome('s16');
	await installHooks(home);
	const ws = makeWs('s16');
	fs.mkdirSync(path.join(ws, '.claude'));
	fs.writeFileSync(path.join(ws, '.claude', 'session-lock.json'), '{"scope": "paths"}\n');
	const goA = path.join(RUN, 's16', 'go-a');
	const goB = path.join(RUN, 's16', 'go-b');
	const sl = path.join(PREFIX, 'bin', 'session-lock');
	// A read-only wait (no `break`, no command substitution: the classifier
	// lets it through, so it takes nothing); the Bash tool's timeout bounds it.
	const until = (go, who) => ({ tool: 'Bash', input: { command: `until test -e ${go}; do sleep 0.1; done`, description: `${who} waits for the driver`, timeout: 120000 } });
	const fa = `${ws}/a.txt`;
	const ma = script('s16a', [
		{ tool: 'Write', input: { file_path: fa, content: 'from A\n' } },
		until(goA, 'A'),
		{ tool: 'Write', input: { file_path: `${ws}/a2.txt`, content: 'from A again\n' } },
	]);
	const mb = script('s16b', [
		{ tool: 'Write', input: { file_path: `${ws}/b.txt`, content: 'from B\n' } },
		{ tool: 'Read', input: { file_path: fa } },
		{ tool: 'Write', input: { file_path: fa, content: 'from B\n' } },
		{ tool: 'Bash', input: { command: 'touch c.txt', description: 'a changing Bash command' } },
		catLockTurn(home, ws),
		until(goB, 'B'),
	]);
	const limitMs = 150000;
	const t0 = Date.now();
	const A = startClaude({ tag: 's16a', home, ws, prompt: `claim a file ${ma}`, limitMs });
	let B = null;
	let aOnly = null;
	let both = null;
	let tB = 0;
	try {
		// A has claimed a.txt (the record says so) and is in its read-only wait.
		aOnly = await waitFor(() => {
			const l = readLock(home, ws);
			return l && served('s16a', 1) && l;
		}, 60000, `session A (pid ${A.pid}) to claim a.txt and start its read-only wait`);
		B = startClaude({ tag: 's16b', home, ws, prompt: `work beside A ${mb}`, limitMs });
		tB = Date.now();
		// B has done its steps (their results are in the request for turn 5) and waits.
		await waitFor(() => served('s16b', 5), 90000, 'session B to reach its read-only wait');
		both = readLock(home, ws);
	} catch (e) {
		c.ok(false, e.message);
	}
	const tBsteps = Date.now();
	fs.writeFileSync(goA, '');
	const ra = await A.done;
	finishedOk(c, ra, 'session A');
	const sidA = sessionIdOf(ra) || sessionIdFromLog('s16a');
	// A's Stop released A's claims, and only A's: B's turn is still open.
	const afterA = readLock(home, ws);
	fs.writeFileSync(goB, '');
	const rb = B ? await B.done : null;
	if (rb) finishedOk(c, rb, 'session B');
	const sidB = (rb && sessionIdOf(rb)) || sessionIdFromLog('s16b');
	const tEnd = Date.now();

	// The record while A alone held: schema 2, A's claim on a.txt, not the whole workspace.
	const holderIs = (h, sid, pid, claims) => h && h.session_id === sid && h.pid === pid && h.whole === false &&
		JSON.stringify(h.claims) === JSON.stringify(claims);
	if (c.ok(aOnly, 'the record was never seen while A held its claim')) {
		c.ok(aOnly.schema_version === 2 && aOnly.workspace === ws && Array.isArray(aOnly.holders) && aOnly.holders.length === 1 &&
			holderIs(aOnly.holders[0], sidA, A.pid, [fa]),
		`while A held: not a schema-2 record with A's (${sidA}, pid ${A.pid}) one claim on ${fa}: ${short(JSON.stringify(aOnly), 600)}`);
	}
	// (a) both wrote their own file while the other's turn was open.
	const twb = toolResult('s16b', 0);
	c.ok(twb && !twb.isError, `B's Write of b.txt was refused while A held a.txt: ${short(twb && twb.text)}`);
	c.ok(read(`${ws}/b.txt`) === 'from B\n', 'b.txt was not written');
	const twa2 = toolResult('s16a', 2);
	c.ok(twa2 && !twa2.isError, `A's Write of a2.txt was refused while B held b.txt: ${short(twa2 && twa2.text)}`);
	c.ok(read(`${ws}/a2.txt`) === 'from A again\n', 'a2.txt was not written');
	const tua = toolResult('s16a', 1);
	c.ok(tua && !tua.isError, `A's read-only wait did not run: ${short(tua && tua.text)}`);
	// Both holders at once, as the driver and B itself (its `cat`) saw the record.
	const bothOk = (rec) => rec && rec.schema_version === 2 && Array.isArray(rec.holders) && rec.holders.length === 2 &&
		holderIs(rec.holders.find((h) => h.session_id === sidA), sidA, A.pid, [fa]) &&
		B && holderIs(rec.holders.find((h) => h.session_id === sidB), sidB, B.pid, [`${ws}/b.txt`]);
	c.ok(bothOk(both), `while both turns were open the record did not hold A's claim on a.txt and B's on b.txt: ${short(JSON.stringify(both), 900)}`);
	const tcat = toolResult('s16b', 4);
	c.ok(tcat && bothOk(parseJsonMaybe(tcat.text.trim())), `B's \`cat\` of the record did not show both claims: ${short(tcat && tcat.text, 900)}`);
	// B's SessionStart named A's claim.
	const first = requests('s16b').find((e) => e.turn === 0);
	const ctx = first ? JSON.stringify(first.body.messages) : '';
	const at = ctx.indexOf('claude-session-lock (path claims)');
	if (c.ok(at >= 0, 'B\'s first request has no path-claims SessionStart context')) {
		const line = ctx.slice(at, at + 600).split('\\n')[0];
		c.ok(sidA && line.includes(`session ${sidA.slice(0, 8)} (pid ${A.pid}) has claimed ${fa}`), `B's SessionStart context does not name A's claim on a.txt: ${short(line)}`);
		c.note(`B's start: ${short(line, 500)}`);
	}
	// (b) B's Write of a.txt: blocked, naming A's session and its claim on a.txt.
	const twx = toolResult('s16b', 2);
	const trd = toolResult('s16b', 1);
	c.ok(trd && !trd.isError && trd.text.includes('from A'), `B's Read of a.txt did not run: ${short(trd && trd.text)}`);
	// The Read notice of a claimed file (hook.c on_read): the PreToolUse
	// matcher lists Read, and the model is told that A claims the file.
	const notice = `${fa} is claimed by session ${sidA && sidA.slice(0, 8)} (pid ${A.pid}), which may be changing it`;
	const readNotice = requests('s16b').some((e) => {
		const m = JSON.stringify(e.body.messages || '');
		return m.includes('PreToolUse:Read hook additional context') && m.includes(notice);
	});
	c.ok(readNotice, `B's Read of a.txt: the model was not told that A claims it (${notice})`);
	if (c.ok(twx, 'session B sent no tool_result for its Write of a.txt')) {
		const want = `PreToolUse:Write hook error: Parallel session lock: in the workspace ${ws}, Claude Code session ${sidA && sidA.slice(0, 8)} (pid ${A.pid}, `;
		c.ok(twx.isError && twx.text.startsWith(want), `B's Write of a.txt was not blocked with a reason naming A: ${short(twx.text, 600)}`);
		c.ok(twx.text.includes(`has claimed ${fa}.`) && twx.text.includes(`This Write needs a claim on that file: it changes ${fa}.`),
			`B's reason does not name A's claim on a.txt: ${short(twx.text, 600)}`);
		c.ok(twx.text.includes(`Next: run \`${sl} wait '${ws}' --path '${fa}'\``), `B's reason does not give the wait for that path: ${short(twx.text, 600)}`);
		c.note(`(b) model saw: ${short(twx.text, 800)}`);
	}
	c.ok(read(fa) === 'from A\n', `a.txt was changed by B while A held it: ${short(read(fa))}`);
	// (c) B's `touch c.txt`: a changing Bash command needs the whole workspace.
	const tt = toolResult('s16b', 3);
	if (c.ok(tt, 'session B sent no tool_result for `touch c.txt`')) {
		c.ok(tt.isError && tt.text.startsWith(`PreToolUse:Bash hook error: Parallel session lock: in the workspace ${ws}, Claude Code session ${sidA && sidA.slice(0, 8)} (pid ${A.pid}, `) &&
			tt.text.includes(`has claimed ${fa}.`) && tt.text.includes('This Bash command needs the whole workspace'),
		`B's \`touch c.txt\` was not blocked as needing the whole workspace held in part by A: ${short(tt.text, 600)}`);
		c.note(`(c) model saw: ${short(tt.text, 800)}`);
	}
	c.ok(!exists(`${ws}/c.txt`), 'c.txt was created although B\'s `touch` needed the whole workspace');
	// (d) A's end released A's claims only; after B's end nothing is held.
	c.ok(afterA && afterA.schema_version === 2 && afterA.holders && afterA.holders.length === 1 && B &&
		holderIs(afterA.holders[0], sidB, B.pid, [`${ws}/b.txt`]),
	`after A's turn ended the record is not B's claim on b.txt alone: ${short(JSON.stringify(afterA), 600)}`);
	c.ok(!exists(lockPath(home, ws)), `a record is left after both turns ended: ${short(read(lockPath(home, ws)))}`);
	const st = spawnSync(sl, ['status'], { cwd: ws, env: { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' }, encoding: 'utf8', timeout: 30000 });
	c.ok(st.status === 0 && /verdict:\s+free/.test(st.stdout), `\`session-lock status\` after both: exit ${st.status}: ${short(`${st.stdout}${st.stderr}`)}`);
	c.note(`timing: A claimed ${tB - t0} ms after its start; B's steps up to its wait took ${tBsteps - tB} ms; A and B ended ${tEnd - tBsteps} ms after; ${tEnd - t0} ms in all`);
	return [{ id: '16', title, check: c }];
});

// --------------------------------------------------------------------- main

async function main() {
	const tStart = Date.now();
	console.log(`e2e: Claude Code ${VERSION || '(version unknown)'} (${CLAUDE})`);
	if (HOOK_MODE === 'manual') console.log(`e2e: WARNING hooks registered by hand from ${process.env.SL_BIN}, not by install.sh`);
	port = await startStandin();
	console.log(`e2e: stand-in on 127.0.0.1:${port}, work dir ${RUN}`);

	const chosen = groups.filter((g) => ONLY.length === 0 || g.ids.some((id) => ONLY.includes(id) || ONLY.includes(id.replace(/[a-z]$/, ''))));
	const results = [];
	const waves = [chosen.filter((g) => !g.heavy), chosen.filter((g) => g.heavy)];
	let wave = [];
	let next = 0;
	const worker = async () => {
		while (next < wave.length) {
			const g = wave[next++];
			let res;
			try {
				res = await g.fn();
			} catch (e) {
				const c = new Check();
				c.ok(false, `error: ${e.message}`);
				res = g.ids.map((id) => ({ id, title: '(did not run to the end)', check: c }));
			}
			for (const x of res) {
				results.push(x);
				const ok = x.check.fails.length === 0;
				console.log(`${ok ? 'PASS' : 'FAIL'} ${TAG} ${x.id}. ${x.title}`);
				for (const f of x.check.fails) console.log(`       - ${f}`);
				if (VERBOSE || !ok) for (const n of x.check.notes) console.log(`       (${n})`);
			}
		}
	};
	const deadline = new Promise((resolve) => setTimeout(() => resolve('timeout'), RUN_LIMIT_MS).unref());
	const all = (async () => {
		for (const w of waves) {
			wave = w;
			next = 0;
			await Promise.all(Array.from({ length: Math.min(JOBS, w.length) }, worker));
		}
	})();
	if ((await Promise.race([all, deadline])) === 'timeout') {
		const doneIds = new Set(results.map((x) => x.id));
		for (const g of chosen) for (const id of g.ids) if (!doneIds.has(id)) {
			const c = new Check();
			c.ok(false, `the run hit its ${RUN_LIMIT_MS / 1000} s limit`);
			results.push({ id, title: '(not finished)', check: c });
			console.log(`FAIL ${TAG} ${id}. not finished within the run's ${RUN_LIMIT_MS / 1000} s limit`);
		}
	}
	const passed = results.filter((x) => x.check.fails.length === 0).length;
	const failed = results.length - passed;
	const unscripted = requests().filter((e) => e.kind !== 'scripted');
	console.log(`e2e: ${requests().length} API requests (${unscripted.length} unscripted), ${((Date.now() - tStart) / 1000).toFixed(1)} s`);
	if (failed && !KEEP) console.log('e2e: rerun with E2E_KEEP=1 to keep the logs (debug logs, requests.jsonl)');
	// run.sh closes the whole run with one "N passed, N failed" over every version
	console.log(`e2e: Claude Code ${VERSION || '?'}: ${passed} passed, ${failed} failed`);
	if (process.env.E2E_SUMMARY) fs.appendFileSync(process.env.E2E_SUMMARY, `${passed} ${failed + (results.length === 0 ? 1 : 0)}\n`);
	cleanup();
	process.exit(failed || results.length === 0 || HOOK_MODE === 'manual' ? 1 : 0);
}

main();
