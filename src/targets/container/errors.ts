import { ServebenchError } from '../../core/errors.ts';

/** Failures of the container target: each a named class with a stable `code` and a `hint`. */
export class ContainerTargetError extends ServebenchError {
  declare readonly hint: string;
}

export class DockerUnavailableError extends ContainerTargetError {
  constructor(detail: string) {
    super(
      'SB_DOCKER_UNAVAILABLE',
      `the container target cannot reach a Docker daemon: ${detail}`,
      'start Docker (dockerd), or point DOCKER_HOST at a daemon; `docker version` must work',
    );
  }
}

/** The daemon cannot hand GPUs to containers: no NVIDIA Container Toolkit on the Docker host. */
export class NvidiaRuntimeMissingError extends ContainerTargetError {
  constructor(daemon: string, gpus: string, detail: string) {
    super(
      'SB_NVIDIA_RUNTIME_MISSING',
      `the Docker daemon (${daemon}) has no NVIDIA runtime, so it cannot give the container GPUs ${gpus}: ${detail}`,
      'install the NVIDIA Container Toolkit on the Docker host (apt-get install nvidia-container-toolkit; ' +
        'nvidia-ctk runtime configure --runtime=docker; restart dockerd), or use target ' +
        "'process', or container.gpus: 'none' for an image that needs no GPU",
    );
  }
}

export class ImageUnavailableError extends ContainerTargetError {
  constructor(image: string, detail: string, hint: string) {
    super('SB_IMAGE_UNAVAILABLE', `image ${image} is not available: ${detail}`, hint);
  }
}

/** The server container exited, or never answered /health, before it was ready. */
export class ContainerNotReadyError extends ContainerTargetError {
  /** Exit code when it exited, null when it was still running (timeout). */
  readonly exitCode: number | null;
  /** Its whole log, secrets masked. */
  readonly logs: string[];
  constructor(what: string, reason: string, exitCode: number | null, logs: string[]) {
    super(
      'SB_CONTAINER_NOT_READY',
      `${what} did not become ready: ${reason}\nlast log lines:\n${logs.slice(-30).join('\n') || '(none)'}`,
      'read the log lines above; check the image, the model, the server arguments and the GPUs',
    );
    this.exitCode = exitCode;
    this.logs = logs;
  }
}

/** testcontainers is an optional peer dependency: only the container target needs it. */
export class TestcontainersMissingError extends ContainerTargetError {
  constructor(detail: string) {
    super(
      'SB_TESTCONTAINERS_MISSING',
      `the container target needs the 'testcontainers' package, which is not installed: ${detail}`,
      "install it beside servebench: npm install --save-dev testcontainers@^12 (the 'sim', 'process' and 'url' targets do not need it)",
    );
  }
}
