'use strict';

// Starts a throw-away Orthanc (Debian's /usr/sbin/Orthanc) with the plugin
// under test, on free loopback ports, with its SQLite index and storage in a
// temporary directory. The same set-up as UnitTests/Integration/orthanc_harness.py.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ORTHANC_BINARY = process.env.ORTHANC_BINARY || '/usr/sbin/Orthanc';

function pluginPath() {
  return process.env.NIFTI_PLUGIN_PATH || path.join(REPO_ROOT, 'build', 'libOrthancNiftiToDicom.so');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Orthanc {
  // extraConfig: merged (shallowly) into the configuration;
  // configure(config, orthanc): a last chance to edit it, with the ports known
  constructor({ extraConfig = {}, configure = null, luaScripts = {} } = {}) {
    this.extraConfig = extraConfig;
    this.configure = configure;
    this.luaScripts = luaScripts;    // file name -> Lua source
    this.workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'orthanc-browser-'));
    this.logPath = path.join(this.workdir, 'orthanc.log');
    this.process = null;
  }

  async start() {
    const plugin = pluginPath();
    if (!fs.existsSync(plugin)) {
      throw new Error(`Plugin not found: ${plugin} (build it: cmake -S ${REPO_ROOT} -B ${REPO_ROOT}/build && ` +
                      `cmake --build ${REPO_ROOT}/build --target OrthancNiftiToDicom, or set NIFTI_PLUGIN_PATH)`);
    }
    if (!fs.existsSync(ORTHANC_BINARY)) {
      throw new Error(`Orthanc not found: ${ORTHANC_BINARY} (apt-get install orthanc)`);
    }

    let lastError = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.httpPort = await freePort();
      do {
        this.dicomPort = await freePort();
      } while (this.dicomPort === this.httpPort);
      this.url = `http://127.0.0.1:${this.httpPort}`;

      const storage = path.join(this.workdir, 'storage');
      fs.mkdirSync(storage, { recursive: true });
      const lua = Object.entries(this.luaScripts).map(([name, source]) => {
        const file = path.join(this.workdir, name);
        fs.writeFileSync(file, source);
        return file;
      });
      const config = {
        Name: 'BrowserTests',
        StorageDirectory: storage,
        IndexDirectory: storage,
        StorageCompression: false,
        HttpServerEnabled: true,
        HttpPort: this.httpPort,
        DicomServerEnabled: true,
        DicomPort: this.dicomPort,
        DicomAet: 'NIFTIBROWSER',
        RemoteAccessAllowed: false,
        AuthenticationEnabled: false,
        RegisteredUsers: {},
        HttpDescribeErrors: true,
        KeepAlive: true,
        SaveJobs: false,
        ConcurrentJobs: 2,
        Plugins: [plugin],
        LuaScripts: lua,
        ...this.extraConfig,
      };
      if (this.configure) {
        this.configure(config, this);
      }
      this.configPath = path.join(this.workdir, 'orthanc.json');
      fs.writeFileSync(this.configPath, JSON.stringify(config, null, 2));

      const output = fs.openSync(path.join(this.workdir, 'orthanc.stdout'), 'a');
      this.process = spawn(ORTHANC_BINARY, [`--logfile=${this.logPath}`, '--no-jobs', this.configPath], {
        cwd: this.workdir, stdio: ['ignore', output, output], detached: false,
      });
      fs.closeSync(output);
      this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
      RUNNING.add(this);

      try {
        await this.waitReady(30000);
        return this;
      } catch (e) {
        lastError = e;
        const log = this.logTail(100);
        await this.stop();
        if (!/address already in use|cannot bind/i.test(log)) {
          break;
        }
      }
    }
    throw lastError;
  }

  async waitReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let exitCode = null;
    this.exited.then((code) => { exitCode = code; });
    while (Date.now() < deadline) {
      if (exitCode !== null) {
        throw new Error(`Orthanc exited during start-up (code ${exitCode}).\n${this.logTail(40)}`);
      }
      try {
        const answer = await fetch(this.url + '/system', { signal: AbortSignal.timeout(2000) });
        if (answer.status === 200) {
          return;
        }
      } catch (e) {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`Orthanc did not answer within ${timeoutMs} ms.\n${this.logTail(40)}`);
  }

  logTail(lines) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch (e) {
      return '(no log)';
    }
  }

  async stop() {
    if (!this.process) {
      return;
    }
    const child = this.process;
    this.process = null;
    RUNNING.delete(this);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer = null;
      const stopped = await Promise.race([
        this.exited.then(() => true),
        new Promise((resolve) => { timer = setTimeout(() => resolve(false), 20000); }),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
  }

  cleanup() {
    if (!process.env.KEEP_ORTHANC_WORKDIR) {
      fs.rmSync(this.workdir, { recursive: true, force: true });
    }
  }

  // ---------------------------------------------------------------- REST

  async request(method, uri, body, headers = {}) {
    const options = { method, headers: { ...headers } };
    if (body !== undefined) {
      if (Buffer.isBuffer(body) || typeof body === 'string') {
        options.body = body;
      } else {
        options.body = JSON.stringify(body);
        options.headers['Content-Type'] = 'application/json';
      }
    }
    const answer = await fetch(this.url + uri, options);
    const text = await answer.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (e) {
      json = null;
    }
    return { status: answer.status, text, json };
  }

  async get(uri) {
    const answer = await this.request('GET', uri);
    if (answer.status !== 200) {
      throw new Error(`GET ${uri} -> HTTP ${answer.status}: ${answer.text}`);
    }
    return answer.json;
  }

  async post(uri, body, headers) {
    const answer = await this.request('POST', uri, body, headers);
    if (answer.status !== 200) {
      throw new Error(`POST ${uri} -> HTTP ${answer.status}: ${answer.text}`);
    }
    return answer.json;
  }
}

// Never leave an Orthanc behind
const RUNNING = new Set();
process.on('exit', () => {
  for (const orthanc of RUNNING) {
    try {
      orthanc.process.kill('SIGKILL');
    } catch (e) {
      // already gone
    }
  }
});

module.exports = { Orthanc, pluginPath, freePort, sleep, REPO_ROOT };
