import type Dockerode from 'dockerode';
import { DockerUnavailableError } from './errors.ts';
import { type ContainerRuntimeClient, getContainerRuntimeClient } from './testcontainers.ts';

/** The Docker daemon Testcontainers found (DOCKER_HOST, ~/.testcontainers.properties, socket). */
export interface Daemon {
  client: ContainerRuntimeClient;
  docker: Dockerode;
  /** unix:///var/run/docker.sock, tcp://gpu-box:2376, ... */
  endpoint: string;
  version: string;
  /** Over the network: host networking puts servers on that machine, not on this one. */
  remote: boolean;
  /** Where servers are reached (URL host) and what they listen on. */
  serverHost: string;
  bindHost: string;
}

const CONNECT_TIMEOUT_MS = 20_000;

export async function connectDaemon(timeoutMs = CONNECT_TIMEOUT_MS): Promise<Daemon> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
  });
  let client: ContainerRuntimeClient;
  try {
    client = await Promise.race([getContainerRuntimeClient(), timeout]);
  } catch (error) {
    throw new DockerUnavailableError((error as Error).message);
  } finally {
    clearTimeout(timer);
  }
  const docker = client.container.dockerode;
  const modem = docker.modem as {
    socketPath?: string;
    host?: string;
    port?: string | number;
    protocol?: string;
  };
  const endpoint = modem.socketPath
    ? `unix://${modem.socketPath}`
    : `${modem.protocol === 'ssh' ? 'ssh' : 'tcp'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`;
  const remoteHost = modem.socketPath ? null : (modem.host ?? null);
  const remote = remoteHost !== null && !/^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/.test(remoteHost);
  return {
    client,
    docker,
    endpoint,
    version: String(client.info.containerRuntime.serverVersion),
    remote,
    serverHost:
      remote && remoteHost ? (remoteHost.includes(':') ? `[${remoteHost}]` : remoteHost) : '127.0.0.1',
    bindHost: remote ? '0.0.0.0' : '127.0.0.1',
  };
}

/** "docker 20.10.24 at unix:///var/run/docker.sock" (recorded with results). */
export function describeDaemon(daemon: Pick<Daemon, 'version' | 'endpoint'>): string {
  return `docker ${daemon.version} at ${daemon.endpoint}`;
}
