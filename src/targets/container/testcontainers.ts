// The one door to Testcontainers: its settings first (imports evaluate in order).
import './testcontainers-env.ts';

export type { ContainerRuntimeClient, StartedTestContainer, WaitStrategy } from 'testcontainers';
export { GenericContainer, getContainerRuntimeClient, ImageName, PullPolicy } from 'testcontainers';
