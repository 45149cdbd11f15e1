// Loads the compiled addon (binding.gyp; npm builds it when the package is installed). Plain
// JavaScript so that the bundled CLI and the graph build worker load it as they are.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const addon = require("../build/Release/ossv_hnsw.node");

export const HnswIndex = addon.HnswIndex;
export const VectorFile = addon.VectorFile;
export const trimNativeHeap = addon.trimNativeHeap;
