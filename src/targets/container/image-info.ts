import type { ContainerOptions } from '../../config/plugin-options.ts';
import type { Daemon } from './daemon.ts';
import { ImageUnavailableError } from './errors.ts';
import { ImageName } from './testcontainers.ts';

/** Label that scripts/build-sim-image.sh puts on the simulator image. */
export const SIM_IMAGE_LABEL = 'servebench.sim.hash';

export interface ImageInfo {
  /** As configured: repository:tag (what is pinned). */
  ref: string;
  /** Registry digest (repo@sha256:...) when pulled from one, else the local image id (sha256:...). */
  digest: string;
  /** The image is servebench's simulator (results are labelled simulated). */
  simulator: boolean;
}

/** tag@digest: what results record as the server under test. */
export function describeImage(image: ImageInfo): string {
  return image.ref.includes('@') ? image.ref : `${image.ref}@${image.digest}`;
}

/** Makes sure the daemon has the image, as the pull policy says, and reads its digest. */
export async function ensureImage(
  daemon: Daemon,
  ref: string,
  policy: ContainerOptions['pullPolicy'],
): Promise<ImageInfo> {
  const name = ImageName.fromString(ref);
  const exists = await daemon.client.image.exists(name);
  if (!exists && policy === 'never') {
    throw new ImageUnavailableError(
      ref,
      `it is not on the Docker daemon (${daemon.endpoint}) and container.pullPolicy is 'never'`,
      ref.startsWith('servebench-sim')
        ? `build it: scripts/build-sim-image.sh ${ref}`
        : `pull or load it (docker pull ${ref}), or set container.pullPolicy: 'missing'`,
    );
  }
  if (!exists || policy === 'always') {
    try {
      await daemon.client.image.pull(name, { force: true, platform: undefined });
    } catch (error) {
      throw new ImageUnavailableError(
        ref,
        `pulling it failed: ${(error as Error).message}`,
        "check the tag and the registry access (docker login), or load the image and set container.pullPolicy: 'never'",
      );
    }
  }
  const inspect = await daemon.docker.getImage(ref).inspect();
  const repo = ref.split('@')[0]?.replace(/:[^/:]+$/, '') ?? ref;
  const digests = inspect.RepoDigests ?? [];
  const sameRepo = (d: string) => {
    const r = d.split('@')[0] ?? '';
    return r === repo || r.endsWith(`/${repo}`) || repo.endsWith(`/${r}`);
  };
  const digest = digests.find(sameRepo) ?? digests[0];
  return {
    ref,
    digest: digest ? (digest.split('@')[1] ?? inspect.Id) : inspect.Id,
    simulator: Boolean(inspect.Config?.Labels?.[SIM_IMAGE_LABEL]),
  };
}
