// Imported first by every public entry point: on a Node older than servebench supports, the
// import fails here with the version needed, before any module that would fail obscurely.
import { assertSupportedNode } from './node-version.ts';

assertSupportedNode();
