// Classification on real Node resources: which async_hooks types are tracked, whether a
// resource is still active, how it is described and what the hint says.
import { createHook } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { nativeFileHandle } from '../../src/track/filehandles';
import { describe as describeResource, hintFor, isActive, isKind, kindOfType, KINDS, partsOf, type Annotations } from '../../src/track/kinds';

const ref = { includeUnref: false };
const withUnref = { includeUnref: true };
const noAnnotations: Annotations = { pathOf: () => undefined, listenStackOf: () => undefined };

/** The async resources of `type` created while `fn` (and what it awaits) runs. */
async function created<T>(type: string, fn: () => T | Promise<T>): Promise<{ value: T; resources: object[] }> {
  const resources: object[] = [];
  const hook = createHook({
    init(_id, resourceType, _trigger, resource) {
      if (resourceType === type) resources.push(resource);
    },
  }).enable();
  try {
    return { value: await fn(), resources };
  } finally {
    hook.disable();
  }
}

async function one<T>(type: string, fn: () => T | Promise<T>): Promise<{ value: T; resource: object }> {
  const { value, resources } = await created(type, fn);
  expect(resources).toHaveLength(1);
  return { value, resource: resources[0] };
}

describe('kindOfType', () => {
  test.each([
    ['Timeout', 'timer'],
    ['Immediate', 'immediate'],
    ['TCPSERVERWRAP', 'server'],
    ['PIPESERVERWRAP', 'server'],
    ['TCPWRAP', 'socket'],
    ['PIPEWRAP', 'socket'],
    ['UDPWRAP', 'socket'],
    ['PROCESSWRAP', 'child-process'],
    ['WORKER', 'worker'],
    ['MESSAGEPORT', 'message-port'],
    ['FSEVENTWRAP', 'fs-watcher'],
    ['STATWATCHER', 'fs-watcher'],
    ['FILEHANDLE', 'file-handle'],
    ['PROMISE', 'promise'],
  ])('%s is a %s', (type, kind) => {
    expect(kindOfType(type)).toBe(kind);
  });

  test.each([
    'TickObject',
    'Microtask',
    'FSREQCALLBACK',
    'FSREQPROMISE',
    'WRITEWRAP',
    'SHUTDOWNWRAP',
    'TCPCONNECTWRAP',
    'GETADDRINFOREQWRAP',
    'DNSCHANNEL',
    'TLSWRAP',
    'TTYWRAP',
    'ELDHISTOGRAM',
    'RANDOMBYTESREQUEST',
    'SIGNREQUEST',
    'ZLIB',
    'HTTPINCOMINGMESSAGE',
    'HTTPCLIENTREQUEST',
  ])('%s is never tracked', (type) => {
    expect(kindOfType(type)).toBeUndefined();
  });

  test('every kind is a kind, nothing else is', () => {
    for (const kind of KINDS) expect(isKind(kind)).toBe(true);
    expect(isKind('timers')).toBe(false);
    expect(isKind(undefined)).toBe(false);
  });
});

describe('timers and immediates', () => {
  test('a pending timeout is active until cleared, and says how to fix it', () => {
    const timeout = setTimeout(() => {}, 50_000);
    expect(isActive('timer', timeout, ref)).toBe(true);
    expect(describeResource('timer', 'Timeout', timeout, noAnnotations)).toBe('setTimeout of 50000 ms');
    expect(hintFor('timer', 'Timeout', timeout)).toMatch(/^clearTimeout\(handle\)/);
    clearTimeout(timeout);
    expect(isActive('timer', timeout, ref)).toBe(false);
  });

  test('an interval is described with its period and the clearInterval hint', () => {
    const interval = setInterval(() => {}, 250);
    try {
      expect(describeResource('timer', 'Timeout', interval, noAnnotations)).toBe('setInterval every 250 ms');
      expect(hintFor('timer', 'Timeout', interval)).toMatch(/^call clearInterval\(handle\)/);
    } finally {
      clearInterval(interval);
    }
  });

  test('an unref’d timer is not active unless unref’d handles are included', () => {
    const timeout = setTimeout(() => {}, 50_000).unref();
    try {
      expect(isActive('timer', timeout, ref)).toBe(false);
      expect(isActive('timer', timeout, withUnref)).toBe(true);
      expect(describeResource('timer', 'Timeout', timeout, noAnnotations)).toBe('setTimeout of 50000 ms (unref’d)');
    } finally {
      clearTimeout(timeout);
    }
  });

  test('an immediate is active until it runs or is cleared', () => {
    const immediate = setImmediate(() => {});
    expect(isActive('immediate', immediate, ref)).toBe(true);
    clearImmediate(immediate);
    expect(isActive('immediate', immediate, ref)).toBe(false);
  });
});

describe('servers and sockets', () => {
  test('a listening TCP server is active with its address; inactive as soon as close() is called', async () => {
    const server = net.createServer();
    const { resource } = await one('TCPSERVERWRAP', () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
    const { port } = server.address() as net.AddressInfo;
    expect(isActive('server', resource, ref)).toBe(true);
    expect(describeResource('server', 'TCPSERVERWRAP', resource, noAnnotations)).toBe(`TCP server listening on 127.0.0.1:${port}`);
    const closed = new Promise((resolve) => server.close(resolve));
    // Already closing: not a leak, even before the native close completes.
    expect(isActive('server', resource, ref)).toBe(false);
    await closed;
  });

  test('a connected TCP client is described by its peer, and inactive once destroyed', async () => {
    const server = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const { value: client, resources } = await created(
        'TCPWRAP',
        () => new Promise<net.Socket>((resolve) => {
          const socket: net.Socket = net.connect(port, '127.0.0.1', () => resolve(socket));
        }),
      );
      // The server's side of the connection is a TCPWRAP too: take the client's.
      const resource = resources.find((r) => (client as unknown as { _handle: unknown })._handle === r);
      expect(resource).toBeDefined();
      if (resource === undefined) return;
      expect(isActive('socket', resource, ref)).toBe(true);
      expect(describeResource('socket', 'TCPWRAP', resource, noAnnotations)).toBe(`TCP socket connected to 127.0.0.1:${port}`);
      client.destroy();
      expect(isActive('socket', resource, ref)).toBe(false);
    } finally {
      server.close();
    }
  });

  test('a bound UDP socket is active, without touching dgram’s deprecated _handle (DEP0112)', async () => {
    const warning = jest.spyOn(process, 'emitWarning');
    try {
      const { value: socket, resource } = await one('UDPWRAP', () => dgram.createSocket('udp4'));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      expect(isActive('socket', resource, ref)).toBe(true);
      expect(describeResource('socket', 'UDPWRAP', resource, noAnnotations)).toBe(`UDP socket bound to 127.0.0.1:${socket.address().port}`);
      await new Promise<void>((resolve) => socket.close(resolve));
      expect(isActive('socket', resource, ref)).toBe(false);
      expect(warning).not.toHaveBeenCalled();
    } finally {
      warning.mockRestore();
    }
  });
});

describe('child processes, workers, ports', () => {
  test('a child process is active and described by pid and command; its stdio pipes are its parts', async () => {
    const { value: child, resources } = await created('PROCESSWRAP', () => spawn('sleep', ['5']));
    expect(resources).toHaveLength(1);
    const [resource] = resources;
    expect(isActive('child-process', resource, ref)).toBe(true);
    expect(describeResource('child-process', 'PROCESSWRAP', resource, noAnnotations)).toBe(`child process ${child.pid}: sleep 5`);
    expect(partsOf('child-process', resource)).toHaveLength(3); // stdin, stdout, stderr
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill();
    await exited;
    expect(isActive('child-process', resource, ref)).toBe(false);
  });

  test('its parts are exactly the PIPEWRAP handles spawn created', async () => {
    let child: ReturnType<typeof spawn> | undefined;
    const { resources: pipes } = await created('PIPEWRAP', () => {
      child = spawn('true');
    });
    const processHandle = (child as unknown as { _handle: object })._handle;
    expect(new Set(partsOf('child-process', processHandle))).toEqual(new Set(pipes));
    await new Promise((resolve) => child?.on('close', resolve));
  });

  test('a running worker is active until terminated', async () => {
    const { value: worker, resource } = await one('WORKER', () => new Worker('setInterval(() => {}, 1000)', { eval: true }));
    await new Promise((resolve) => worker.once('online', resolve));
    expect(isActive('worker', resource, ref)).toBe(true);
    expect(describeResource('worker', 'WORKER', resource, noAnnotations)).toBe(`worker thread ${worker.threadId}`);
    await worker.terminate();
    expect(isActive('worker', resource, ref)).toBe(false);
  });

  test('a message port is active only while it listens, and not after close()', async () => {
    const { value: channel, resources } = await created('MESSAGEPORT', () => new MessageChannel());
    expect(resources).toHaveLength(2);
    const [port1, port2] = resources;
    expect(isActive('message-port', port1, ref)).toBe(false);
    channel.port1.on('message', () => {});
    expect(isActive('message-port', port1, ref)).toBe(true);
    expect(isActive('message-port', port2, ref)).toBe(false);
    channel.port1.close();
    // A port has no public owner to say it is closing: inactive once the close completes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isActive('message-port', port1, ref)).toBe(false);
  });
});

describe('fs watchers and file handles', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakcheck-unit-'));
    fs.writeFileSync(path.join(dir, 'file.txt'), 'data');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fs.watch is active until closed, described with the path the annotations know', async () => {
    const { value: watcher, resource } = await one('FSEVENTWRAP', () => fs.watch(dir));
    expect(isActive('fs-watcher', resource, ref)).toBe(true);
    const annotations: Annotations = { pathOf: (owner) => (owner === watcher ? dir : undefined), listenStackOf: () => undefined };
    expect(describeResource('fs-watcher', 'FSEVENTWRAP', resource, annotations)).toBe(`fs.watch on ${dir}`);
    expect(describeResource('fs-watcher', 'FSEVENTWRAP', resource, noAnnotations)).toBe('fs.watch watcher');
    watcher.close();
    expect(isActive('fs-watcher', resource, ref)).toBe(false);
  });

  test('fs.watchFile is active until unwatched, with the unwatchFile hint', async () => {
    const file = path.join(dir, 'file.txt');
    const listener = (): void => {};
    const { resource } = await one('STATWATCHER', () => fs.watchFile(file, listener));
    expect(isActive('fs-watcher', resource, ref)).toBe(true);
    expect(describeResource('fs-watcher', 'STATWATCHER', resource, { pathOf: () => file, listenStackOf: () => undefined })).toBe(`fs.watchFile on ${file}`);
    expect(hintFor('fs-watcher', 'STATWATCHER', resource)).toMatch(/fs\.unwatchFile/);
    fs.unwatchFile(file, listener);
    expect(isActive('fs-watcher', resource, ref)).toBe(false);
  });

  test('an open FileHandle is active until closed, described by fd and path', async () => {
    const file = path.join(dir, 'file.txt');
    const handle = await fs.promises.open(file, 'r');
    const resource = nativeFileHandle(handle);
    expect(resource).toBeDefined();
    if (resource === undefined) return;
    expect(isActive('file-handle', resource, ref)).toBe(true);
    const description = describeResource('file-handle', 'FILEHANDLE', resource, noAnnotations);
    expect(description).toContain(`FileHandle fd ${handle.fd}`);
    if (process.platform === 'linux') expect(description).toContain(`on ${fs.realpathSync(file)}`);
    await handle.close();
    expect(isActive('file-handle', resource, ref)).toBe(false);
  });
});

test('a resource already collected is described by its type', () => {
  expect(describeResource('server', 'TCPSERVERWRAP', undefined, noAnnotations)).toBe('TCPSERVERWRAP (already collected)');
});
